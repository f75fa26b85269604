#include <sqlite3.h>

/* sqlite3_db_config takes variadic arguments, which Swift does not import: this names the one
   option popvault sets. With it, closing the last connection leaves the WAL for the next one
   instead of checkpointing it into the database file. */
static inline int popvault_sqlite_keep_wal_on_close(sqlite3 *db) {
    return sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)0);
}
