// libpq, the PostgreSQL C client (Debian: libpq-dev). pkg-config supplies the include path.
#ifndef AMPLIFI_CLIBPQ_SHIM_H
#define AMPLIFI_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
