/* placeholder: being written */
#include "cb-noise.h"
