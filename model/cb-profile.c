/* placeholder: being written */
#include "cb-profile.h"
