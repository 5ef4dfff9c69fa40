/* store_priv.h - the store's handle, shared by store.c (writing) and
 * store_read.c (reading back). Not for other modules. */
#ifndef ISOBENCH_STORE_PRIV_H
#define ISOBENCH_STORE_PRIV_H

#include <sqlite3.h>

#define STORE_APP_ID 0x69736f62 /* "isob" */
#define STORE_VERSION 4

struct store {
    sqlite3 *db;
    char path[4096];
    int marked_dead; /* runs store_open found dead and marked interrupted */
    int ro;          /* opened STORE_RO: nothing is written */
};

#endif
