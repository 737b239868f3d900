/* placeholder: being written */
#include "cb-label-map.h"
