/* placeholder: being written */
#include "cb-tensor.h"
