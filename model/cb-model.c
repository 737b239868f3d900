/* placeholder: being written */
#include "cb-model.h"
