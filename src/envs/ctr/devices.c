#include "envs/ctr/devices.h"

#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

const struct dev_rule dev_allowed[] = {
    {'c', -1, -1, "m"}, {'b', -1, -1, "m"},    /* mknod of any node; opening is what counts */
    {'c', 1, 3, "rwm"}, {'c', 1, 5, "rwm"},    /* null, zero */
    {'c', 1, 7, "rwm"}, {'c', 1, 8, "rwm"},    /* full, random */
    {'c', 1, 9, "rwm"}, {'c', 5, 0, "rwm"},    /* urandom, tty */
    {'c', 5, 2, "rwm"}, {'c', 136, -1, "rwm"}, /* ptmx, pts */
    {0, 0, 0, NULL},
};

void dev_rule_text(const struct dev_rule *r, char *buf, size_t len)
{
    char ma[16] = "*", mi[16] = "*";
    if (r->major >= 0) snprintf(ma, sizeof(ma), "%d", r->major);
    if (r->minor >= 0) snprintf(mi, sizeof(mi), "%d", r->minor);
    snprintf(buf, len, "%c %s:%s %s", r->type, ma, mi, r->access);
}

int dev_allows(char type, int major, int minor, char access)
{
    for (const struct dev_rule *r = dev_allowed; r->type; r++)
        if ((r->type == 'a' || r->type == type) && (r->major < 0 || r->major == major) &&
            (r->minor < 0 || r->minor == minor) && strchr(r->access, access))
            return 1;
    return 0;
}

int dev_apply_v1(const char *dir, struct err *e)
{
    char path[1200], rule[64];
    for (int i = -1; i < 0 || dev_allowed[i].type; i++) {
        snprintf(path, sizeof(path), "%s/devices.%s", dir, i < 0 ? "deny" : "allow");
        if (i < 0)
            snprintf(rule, sizeof(rule), "a");
        else
            dev_rule_text(&dev_allowed[i], rule, sizeof(rule));
        FILE *f = fopen(path, "we");
        int ok = f && fputs(rule, f) >= 0;
        if (f) ok &= fclose(f) == 0;
        if (!ok) return err_sys(e, ERR_FAIL, errno, "devices cgroup: '%s' into %s", rule, path);
    }
    return 0;
}

/* ---- v2: the same rules as a BPF_PROG_TYPE_CGROUP_DEVICE program ---- */

#define INSN(c, d, s, o, i)                                                                        \
    ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})

/* The access bits a rule grants (BPF_DEVCG_ACC_*). */
static int acc_bits(const char *a)
{
    return (strchr(a, 'm') ? BPF_DEVCG_ACC_MKNOD : 0) | (strchr(a, 'r') ? BPF_DEVCG_ACC_READ : 0) |
           (strchr(a, 'w') ? BPF_DEVCG_ACC_WRITE : 0);
}

/* The program: r2 = access, r3 = type, r4 = major, r5 = minor; per rule a
 * block of "jump to the next block unless it matches, return 1"; at the end
 * return 0 (deny). Returns the instruction count, -1 when out of room. */
static int dev_prog(struct bpf_insn *p, int room)
{
    int n = 0;
    p[n++] = INSN(BPF_LDX | BPF_MEM | BPF_W, 2, 1, 0, 0); /* access_type */
    p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, 3, 2, 0, 0);
    p[n++] = INSN(BPF_ALU64 | BPF_AND | BPF_K, 3, 0, 0, 0xffff); /* type */
    p[n++] = INSN(BPF_ALU64 | BPF_RSH | BPF_K, 2, 0, 0, 16);     /* access */
    p[n++] = INSN(BPF_LDX | BPF_MEM | BPF_W, 4, 1, 4, 0);        /* major */
    p[n++] = INSN(BPF_LDX | BPF_MEM | BPF_W, 5, 1, 8, 0);        /* minor */
    for (const struct dev_rule *r = dev_allowed; r->type; r++) {
        if (n + 9 > room) return -1;
        int jumps[4], nj = 0;
        if (r->type != 'a') {
            jumps[nj++] = n;
            p[n++] = INSN(BPF_JMP | BPF_JNE | BPF_K, 3, 0, 0,
                          r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
        }
        if (r->major >= 0) {
            jumps[nj++] = n;
            p[n++] = INSN(BPF_JMP | BPF_JNE | BPF_K, 4, 0, 0, r->major);
        }
        if (r->minor >= 0) {
            jumps[nj++] = n;
            p[n++] = INSN(BPF_JMP | BPF_JNE | BPF_K, 5, 0, 0, r->minor);
        }
        p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, 6, 2, 0, 0);
        p[n++] = INSN(BPF_ALU64 | BPF_AND | BPF_K, 6, 0, 0, ~acc_bits(r->access) & 7);
        jumps[nj++] = n;
        p[n++] = INSN(BPF_JMP | BPF_JNE | BPF_K, 6, 0, 0, 0); /* asks for more than granted */
        p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1);
        p[n++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
        for (int k = 0; k < nj; k++)
            p[jumps[k]].off = (short)(n - jumps[k] - 1);
    }
    if (n + 2 > room) return -1;
    p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
    p[n++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
    return n;
}

int dev_apply_v2(int cgfd, struct err *e)
{
    struct bpf_insn prog[128];
    int n = dev_prog(prog, 128);
    if (n < 0) return err_set(e, ERR_FAIL, "devices: the rule list is too long for its program");
    char log[8192] = "";
    union bpf_attr a;
    int pfd = -1;
    for (int verbose = 0; verbose < 2 && pfd < 0; verbose++) { /* the log only to say why */
        memset(&a, 0, sizeof(a));
        a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        a.insns = (uint64_t)(uintptr_t)prog;
        a.insn_cnt = (uint32_t)n;
        a.license = (uint64_t)(uintptr_t) "GPL";
        if (verbose) {
            a.log_buf = (uint64_t)(uintptr_t)log;
            a.log_size = sizeof(log);
            a.log_level = 1;
        }
        pfd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));
    }
    if (pfd < 0)
        return err_sys(e, ERR_FAIL, errno, "devices: loading the BPF device program (%.200s)", log);
    memset(&a, 0, sizeof(a));
    a.target_fd = (uint32_t)cgfd;
    a.attach_bpf_fd = (uint32_t)pfd;
    a.attach_type = BPF_CGROUP_DEVICE;
    a.attach_flags = BPF_F_ALLOW_MULTI; /* beside an ancestor's (systemd's), all must allow */
    int rc = (int)syscall(SYS_bpf, BPF_PROG_ATTACH, &a, sizeof(a));
    int saved = errno;
    close(pfd);
    if (rc < 0) return err_sys(e, ERR_FAIL, saved, "devices: attaching the BPF device program");
    return 0;
}
