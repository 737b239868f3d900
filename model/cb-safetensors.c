/* placeholder: being written */
#include "cb-safetensors.h"
