/* placeholder: being written */
#include "render/cb-backend.h"
