/* placeholder: being written */
#include "render/cb-generator.h"
