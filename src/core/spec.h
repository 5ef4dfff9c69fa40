/* spec.h - the one parser for `NAME[:key=value[,key=value...]]`, shared by
 * every environment, and for comma lists of such specs on the command line. */
#ifndef ISOBENCH_SPEC_H
#define ISOBENCH_SPEC_H

#include "core/util.h"

struct spec {
    char name[32];
    struct kvlist kv; /* a bare flag after the colon ("vm:tuned") is tuned=on */
    char text[256];   /* the spec as written, canonical form */
};

/* Parses one spec. Fails with ERR_USAGE on an empty name or malformed pair. */
int spec_parse(const char *s, struct spec *out, struct err *e);

/* Adds key=value to sp, in its kv and at the end of its text (a spec a
 * scenario makes up from the user's: a tier's cpu-weight, a quota).
 * ERR_USAGE when sp already sets key or the text would not fit. */
int spec_add(struct spec *sp, const char *key, const char *value, struct err *e);

/* Checks every key of sp against the NULL-terminated list of allowed keys. */
int spec_check_keys(const struct spec *sp, const char *const *allowed, struct err *e);

/* Splits a comma list where a token with '=' continues the previous spec:
 * "native,container:net=host,storage=volume,runc" gives three specs.
 * Fills at most max specs; returns the count or -1. */
int spec_split_list(const char *list, struct spec *out, int max, struct err *e);

#endif
