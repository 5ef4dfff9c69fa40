/* undo.h - the undo handlers of the host objects environments create
 * beyond core's own kinds (pid, cgroup, dir, rmtree, file, mount), for the
 * journal. Each takes the argument its journal line recorded and returns 0
 * when the object is gone (already gone counts). They are listed once, in
 * env_undo_handlers (registry.c), which the program hands to
 * journal_set_undo before any journal is unwound. */
#ifndef ISOBENCH_ENVS_UNDO_H
#define ISOBENCH_ENVS_UNDO_H

#include "core/journal.h"

int runc_undo(const char *arg);         /* "runc": a runc container (state root, id) */
int runsc_undo(const char *arg);        /* "runsc": the same, gVisor's */
int lxc_undo(const char *arg);          /* "lxc": an LXC container (lxcpath, name) */
int docker_undo(const char *arg);       /* "docker": a container of the run's dockerd */
int docker_undo_image(const char *arg); /* "docker-image": the base image imported */
int podman_undo(const char *arg);       /* "podman": a podman container */
int podman_undo_port(const char *arg);  /* "podman-port": netavark DNATs left for a port */
int podman_undo_netns(const char *arg); /* "podman-netns": netavark netns nothing owns, since */
int net_undo_link(const char *name);    /* "link": a veth or bridge */
int net_undo_nft(const char *table);    /* "nft": an nftables table */
int net_undo_sysctl(const char *arg);
int env_undo_mode(const char *arg);
/* "mode": "DIR OCTAL", a directory's mode to restore */ /* "sysctl": a value to restore */

extern const struct journal_undo env_undo_handlers[];

#endif
