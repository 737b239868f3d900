/* placeholder: being written */
#include "cb-error.h"
