// PostgreSQL's headers for the glue, included first in every src/pg file
// (port.h redefines snprintf & co., so it must precede the C++ standard
// headers).
#pragma once

extern "C" {
#include "postgres.h"

#include "access/attnum.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/elog.h"
#include "utils/memutils.h"
}
