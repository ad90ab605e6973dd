// hiredis, the Redis C client (Debian: libhiredis-dev, 0.14). pkg-config supplies the include path.
#ifndef AMPLIFI_CHIREDIS_SHIM_H
#define AMPLIFI_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#endif
