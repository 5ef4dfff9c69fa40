/* facts.h - what tells one host from another: the facts `isobench facts`
 * prints and every run stores with its host facts (host_facts), and the
 * host id that names a host across a fleet's merged results. */
#ifndef ISOBENCH_FACTS_H
#define ISOBENCH_FACTS_H

#include <stddef.h>

#include "core/util.h"

/* Where the host id lives (below the root given to facts_host_id). */
#define FACTS_HOSTID_DIR "/var/lib/isobench"
#define FACTS_HOSTID_FILE FACTS_HOSTID_DIR "/host-id"

/* Adds the facts read from files below root ("" for this host; a test's
 * fixture tree otherwise): CPU microcode, its ISA flags of interest and a
 * hash of all its flags, sockets and threads per core, NUMA nodes,
 * hugepages, the kernel command line, CPU vulnerabilities' mitigations,
 * virtualisation (KVM and its module, PVM, Xen, or TCG), DMI vendor and
 * product, the NIC of the default route (driver, speed, MTU) and the disk
 * under data_dir (HOST_DATA_DIR; model, rotational). A fact that cannot
 * be read is "unknown"; a value longer than a fact holds is shortened
 * with its length and hash said in it (never cut silently). 0, or -1 with
 * e when l is full. */
int facts_probe(const char *root, const char *data_dir, struct kvlist *l, struct err *e);

/* The versions of the container runtimes and of QEMU found in PATH
 * (their --version's first line), "absent" for those not installed.
 * Runs each through proc_run with a short timeout. */
int facts_runtimes(struct kvlist *l, struct err *e);

/* The binding of a host id: a hash of root's /etc/machine-id and the DMI
 * product uuid and serial (whichever can be read), as 16 hex digits. */
void facts_binding(const char *root, char *out, size_t len);

/* This host's id (a UUID's shape: 8-4-4-4-12 hex digits; len >= 37) into id: read from root's
 * FACTS_HOSTID_FILE when the binding stored there is this host's, else a
 * fresh random one written there with the binding (a disk cloned onto
 * other hardware or given another machine-id gets a new id). *fresh: 1
 * when made now. ERR_FAIL when no id can be read nor written (not root
 * and none made yet). */
int facts_host_id(const char *root, char *id, size_t len, int *fresh, struct err *e);

/* Sets "host_id" (or "host_id_error" with the reason) in l: what every
 * run and `isobench facts` record. */
void facts_host_id_fact(const char *root, struct kvlist *l);

/* The facts that explain a difference between hosts, in the order a
 * report lists them; NULL-terminated. */
extern const char *const facts_explaining[];

#endif
