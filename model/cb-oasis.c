/* placeholder: being written */
#include "cb-oasis.h"
