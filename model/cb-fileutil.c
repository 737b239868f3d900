/* placeholder: being written */
#include "cb-fileutil.h"
