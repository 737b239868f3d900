/* placeholder: being written */
#include "cb-graph.h"
