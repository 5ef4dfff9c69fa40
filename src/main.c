/* main.c - the entry point: the guest's init when started as /init in a
 * VM, else a dispatch to the command (src/cli/cmd_*.c, see cli.h). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buildinfo.h"
#include "cli/cli.h"
#include "envs/undo.h"
#include "envs/vm/initramfs.h"

static const char main_help[] =
    "isobench - what isolation costs: one suite, native vs containers vs VMs\n"
    "usage: isobench COMMAND [options]   (isobench COMMAND --help)\n"
    "  run         measure workloads in environments and store the samples\n"
    "  list        workloads, environments and reporters, with availability\n"
    "  report      render a stored run (table, json, csv, html, markdown)\n"
    "  explain     which knob of an environment costs what: a ladder from native, one knob\n"
    "              at a time, run as one run; the report attributes the overhead\n"
    "  paper       Felter et al.'s matrix on this host, as an HTML report beside the paper\n"
    "  scenario    several environments at once: noisy-neighbour, density (list, run)\n"
    "  compare     A/B two runs, or two environments of a run (exit 3 on a regression)\n"
    "  show-runs   list stored runs\n"
    "  version     print the version and build flags\n"
    "  cleanup     remove what dead runs left behind (from their undo journals)\n"
    "  image       build, list or remove the root filesystem images containers run on\n"
    "  doctor      the host's isolation facts and why a vm gets KVM or TCG\n"
    "  load        the http workload's load generator against a server you name\n"
    "  corpus      write the compress workload's generated input to stdout\n"
    "  agent       (internal) serve one job inside an environment\n";

int main(int argc, char **argv)
{
    journal_set_undo(env_undo_handlers); /* before anything can unwind a journal */
    if (getpid() == 1 && argc >= 1 && !strcmp(argv[0], "/init")) vm_guest_main(); /* in a guest */
    if (argc < 2) {
        fputs(main_help, stderr);
        return ERR_USAGE;
    }
    const char *cmd = argv[1];
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {
        {"run", cmd_run},         {"list", cmd_list},           {"report", cmd_report},
        {"compare", cmd_compare}, {"show-runs", cmd_show_runs}, {"agent", cmd_agent},
        {"cleanup", cmd_cleanup}, {"doctor", cmd_doctor},       {"image", cmd_image},
        {"corpus", cmd_corpus},   {"paper", cmd_paper},         {"scenario", cmd_scenario},
        {"load", cmd_load},       {"explain", cmd_explain},
    };
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (!strcmp(cmd, cmds[i].name)) return cmds[i].fn(argc - 1, argv + 1);
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("isobench %s\nbuild: %s\ncompiler: %s\n", ISOBENCH_VERSION, ISOBENCH_BUILD_FLAGS,
               ISOBENCH_COMPILER);
        return 0;
    }
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        fputs(main_help, stdout);
        return 0;
    }
    fprintf(stderr, "isobench: unknown command '%s' (try 'isobench --help')\n", cmd);
    return ERR_USAGE;
}
