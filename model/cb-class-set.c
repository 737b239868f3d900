/* placeholder: being written */
#include "cb-class-set.h"
