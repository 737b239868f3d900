/* placeholder: being written */
#include "cb-png.h"
