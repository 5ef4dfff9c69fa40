/* cmd_admin.c - the host-side housekeeping commands: agent (internal),
 * cleanup, image, corpus, doctor. */
#include <stdlib.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "agent/agent.h"
#include "core/journal.h"
#include "core/store.h"
#include "envs/lib/doctor.h"
#include "envs/env.h"
#include "envs/lib/image.h"
#include "workloads/lib/corpus.h"

int cmd_agent(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--serve") && !strcmp(argv[2], "--stdio")) {
        struct err e = {0};
        return agent_serve_io(0, 1, &e) < 0 ? cli_die(&e) : 0;
    }
    if (argc == 2 && !strcmp(argv[1], "--stdio")) { /* at the far end of ssh (--peer) */
        struct err e = {0};
        return agent_serve_remote(0, 1, &e) < 0 ? cli_die(&e) : 0;
    }
    int serve = argc == 4 && strcmp(argv[1], "--serve") == 0;
    if ((argc != 3 && !serve) || strcmp(argv[serve ? 2 : 1], "--fd") != 0)
        return cli_usage(
            "agent",
            "usage: isobench agent [--serve] --fd N | --serve --stdio | --stdio (started by "
            "environments; --stdio: by run --peer ssh://)");
    struct err e = {0};
    uint64_t fd;
    if (util_parse_u64(argv[serve ? 3 : 2], &fd, &e) < 0) return cli_die(&e);
    if ((serve ? agent_serve_loop((int)fd, &e) : agent_serve_fd((int)fd, &e)) < 0)
        return cli_die(&e);
    return 0;
}

/* Unwinds the undo journals of runs whose isobench process is gone. */
int cmd_cleanup(int argc, char **argv)
{
    char db[4096];
    store_default_path(db, sizeof(db));
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: isobench cleanup [--db PATH]\n  removes what dead runs left behind, "
                   "from their journals under %s,\n  and marks their runs in the database "
                   "interrupted\n",
                   journal_root());
            return 0;
        }
        if (!strcmp(argv[i], "--db") && i + 1 < argc)
            snprintf(db, sizeof(db), "%s", argv[++i]);
        else
            return cli_usage("cleanup", "takes only --db PATH");
    }
    struct err e = {0};
    int cleaned, live;
    int rc = journal_cleanup_dead(&cleaned, &live, &e);
    printf("cleanup: %d dead run(s) unwound, %d live run(s) left alone\n", cleaned, live);
    struct store *st;
    if (rc == 0 && access(db, F_OK) == 0) { /* opening marks the dead runners' runs */
        if (store_open(db, STORE_RW, &st, &e) < 0) return cli_die(&e);
        printf("cleanup: %d run(s) of dead runners marked interrupted in %s\n",
               store_marked_dead(st), db);
        store_close(st);
    }
    return rc < 0 ? cli_die(&e) : 0;
}

static const char image_help[] =
    "usage: isobench image build NAME [--packages LIST|none] [--mirror URL] [--suite CODENAME]\n"
    "       isobench image list\n"
    "       isobench image rm NAME\n"
    "  build: a Debian minbase (debootstrap, the host's release and apt mirror) with the\n"
    "  packages holding isobench's own libraries and LIST (default " IMAGE_DEFAULT_PACKAGES ");\n"
    "  use it as container:image=NAME. Images live in %s.\n";

/* `isobench image build|list|rm`: the images containers run on. */
int cmd_image(int argc, char **argv)
{
    struct err e = {0};
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        printf(image_help, image_root());
        return argc < 2 ? ERR_USAGE : 0;
    }
    if (!strcmp(argv[1], "list")) {
        if (argc != 2) return cli_usage("image", "list takes no arguments");
        struct image_info *im cleanup_free = NULL;
        int n;
        if (image_list(&im, &n, &e) < 0) return cli_die(&e);
        printf("%-20s %-20s %-10s %10s  %s\n", "NAME", "CREATED", "SUITE", "SIZE", "PACKAGES");
        for (int i = 0; i < n; i++)
            printf("%-20s %-20s %-10s %7.1f MiB  %s\n", im[i].name, im[i].created, im[i].suite,
                   (double)im[i].bytes / 1048576.0, im[i].packages);
        return 0;
    }
    if (!strcmp(argv[1], "rm")) {
        if (argc != 3) return cli_usage("image", "usage: isobench image rm NAME");
        if (image_rm(argv[2], &e) < 0) return cli_die(&e);
        printf("image %s removed\n", argv[2]);
        return 0;
    }
    if (strcmp(argv[1], "build")) return cli_usage("image", "build, list or rm");
    if (argc < 3 || argv[2][0] == '-')
        return cli_usage("image", "usage: isobench image build NAME");
    const char *pk = IMAGE_DEFAULT_PACKAGES, *mirror = NULL, *suite = NULL;
    for (int i = 3; i < argc; i++) {
        const char **dst = !strcmp(argv[i], "--packages") ? &pk
                           : !strcmp(argv[i], "--mirror") ? &mirror
                           : !strcmp(argv[i], "--suite")  ? &suite
                                                          : NULL;
        if (!dst || i + 1 >= argc) return cli_usage("image", "unknown option or missing value");
        *dst = argv[++i];
    }
    if (geteuid() != 0) return cli_usage("image", "build needs root (debootstrap)");
    if (image_check_new(argv[2], &e) < 0) return cli_die(&e);
    cli_install_signals();
    char log[700];
    fprintf(stderr, "isobench: building image %s with debootstrap (a minute or more)...\n",
            argv[2]);
    if (image_build(argv[2], pk, mirror, suite, log, sizeof(log), &e) < 0) return cli_die(&e);
    printf("image %s built in %s/%s (debootstrap log: %s)\n", argv[2], image_root(), argv[2], log);
    return 0;
}

/* Writes the compress workload's generated corpus to stdout, so reference
 * tools (xz, pxz) can be run on exactly the same bytes. */
int cmd_corpus(int argc, char **argv)
{
    struct err e = {0};
    uint64_t size;
    if (argc != 2 || util_parse_size(argv[1], &size, &e) < 0 || size == 0)
        return cli_usage("corpus", "usage: isobench corpus SIZE (e.g. 64M) > file");
    if (isatty(STDOUT_FILENO)) return cli_usage("corpus", "refusing to write to a terminal");
    char *buf cleanup_free = malloc(size);
    if (!buf) return cli_usage("corpus", "not enough memory");
    corpus_fill(buf, size, CORPUS_SEED);
    return fwrite(buf, 1, size, stdout) == size && fflush(stdout) == 0 ? 0 : ERR_FAIL;
}

int cmd_doctor(int argc, char **argv)
{
    if (argc > 1) {
        if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
            fputs("usage: isobench doctor\n  prints the host's isolation facts (virtualization, "
                  "cgroups, namespaces, hugepages, vhost) and why the vm gets KVM or TCG\n",
                  stdout);
            return 0;
        }
        return cli_usage("doctor", "takes no arguments");
    }
    struct kvlist l = {0};
    doctor_facts(&l);
    for (int i = 0; i < l.n; i++)
        printf("%-16s %s\n", l.v[i].key, l.v[i].val);
    return 0;
}
