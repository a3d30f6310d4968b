/* placeholder so the library is never empty */
#include "lt_capture.h"
