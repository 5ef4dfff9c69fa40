/* ftnode - filetask's server half as the docker-in-KVM study ran it: a
 * Node.js + Express app (Debian's node-express) doing the same task with
 * fs.writeSync, the same HTTP endpoints (keep-alive GET /task answering
 * the task time in seconds, GET /quit), so the client half and the
 * scenario cannot tell the two servers apart. isobench writes the app
 * into the server's own directory, runs node as uid 65534 where it may,
 * bound to the environment's address, and reads the app's count and
 * task-time sum from its log when it ends. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/journal.h"
#include "core/util.h"
#include "workloads/filetask.h"
#include "workloads/lib/netutil.h"
#include "workloads/lib/srvproc.h"
#include "workloads/workload.h"

#define NODE_BIN "/usr/bin/node"
#define NODE_MODULES "/usr/share/nodejs" /* Debian's node-* packages */

/* The app: argv addr port dir bytes writes; the job's token in dir/token
 * (never in argv: /proc/PID/cmdline is world-readable), every path under
 * it, any other request 403 and its connection dropped. It prints one
 * "versions" line when it listens and one "tasks N sum S" line when it
 * ends (on /quit or when the run's client's connection closes); no task
 * asked for within 60 s is exit 3. keepAliveTimeout 0: a step's next request may come long
 * after the last (Node's default closes idle connections after 5 s). */
static const char ft_node_app[] =
    "'use strict';\n"
    "const fs = require('fs');\n"
    "const express = require('express');\n"
    "const [addr, port, dir, bytes, writes] = process.argv.slice(2);\n"
    "const total = Number(bytes), n = Number(writes);\n"
    "const each = Math.floor(total / n), extra = total % n;\n"
    "const chunk = Buffer.alloc(each + 1, 'x');\n"
    "const file = dir + '/filetask-' + process.pid + '.dat';\n"
    "const tok = fs.readFileSync(dir + '/token', 'utf8').trim();\n"
    "let tasks = 0, sum = 0, ended = false;\n"
    "const app = express();\n"
    "app.get(tok + '/task', (req, res) => {\n"
    "  req.socket.isobench = true;\n"
    "  clearTimeout(idle);\n"
    "  const t0 = process.hrtime.bigint();\n"
    "  const fd = fs.openSync(file, 'w', 0o600);\n"
    "  for (let i = 0; i < n; i++) fs.writeSync(fd, chunk, 0, i < extra ? each + 1 : each);\n"
    "  fs.closeSync(fd);\n"
    "  const t = Number(process.hrtime.bigint() - t0) / 1e9;\n"
    "  fs.unlinkSync(file);\n"
    "  tasks++;\n"
    "  sum += t;\n"
    "  res.type('text/plain').send(t.toFixed(9) + '\\n');\n"
    "});\n"
    "function end() {\n"
    "  if (ended) return;\n"
    "  ended = true;\n"
    "  console.log('isobench-filetask tasks ' + tasks + ' sum ' + sum.toFixed(9));\n"
    "  server.close();\n"
    "  setImmediate(() => process.exit(0));\n"
    "}\n"
    "app.get(tok + '/quit', (req, res) => { res.type('text/plain').send('bye\\n'); "
    "res.on('finish', end); });\n"
    "app.use((req, res) => { res.status(403).type('text/plain').send('forbidden\\n'); "
    "res.on('finish', () => req.socket.destroy()); });\n"
    "const server = app.listen(Number(port), addr || undefined, () =>\n"
    "  console.log('isobench-filetask node ' + process.version + ' express ' +\n"
    "              require('express/package.json').version));\n"
    "server.keepAliveTimeout = 0;\n"
    "const idle = setTimeout(() => { console.log('isobench-filetask: no client within 60 s'); "
    "process.exit(3); }, 60000);\n"
    "server.on('connection', (s) => { s.setNoDelay(true); s.on('close', () => { if (s.isobench) "
    "end(); }); });\n";

const char *ft_node_unavailable(void)
{
    if (access(NODE_BIN, X_OK) != 0)
        return NODE_BIN " is not in this environment (apt-get install nodejs)";
    if (access(NODE_MODULES "/express/package.json", R_OK) != 0)
        return "Express is not in this environment (" NODE_MODULES
               "/express; apt-get install node-express)";
    return NULL;
}

/* From the app's log: its versions and the task count and sum. */
int ft_node_parse_log(const char *log, char *versions, size_t vlen, double *tasks, double *sum)
{
    const char *v = strstr(log, "isobench-filetask node ");
    const char *t = strstr(log, "isobench-filetask tasks ");
    if (versions && vlen) versions[0] = '\0';
    if (v && versions) {
        v += strlen("isobench-filetask ");
        snprintf(versions, vlen, "%.*s", (int)strcspn(v, "\n"), v);
    }
    return t && sscanf(t, "isobench-filetask tasks %lf sum %lf", tasks, sum) == 2 ? 0 : -1;
}

int ft_node_server(const struct wl_ctx *ctx, uint64_t bytes, uint64_t writes, struct result *r,
                   struct err *e)
{
    const char *why = ft_node_unavailable();
    if (why) return err_set(e, ERR_FAIL, "filetask server=node: %s", why);
    char dir[400], app[450], log[450], port[16], b[32], w[32], ub[160] = "";
    const char *base = ctx->datadir && ctx->datadir[0] ? ctx->datadir : "/tmp";
    if (snprintf(dir, sizeof(dir), "%s/filetask-node-%d", base, ctx->port) >= (int)sizeof(dir))
        return err_set(e, ERR_FAIL, "filetask server=node: data dir path too long");
    snprintf(app, sizeof(app), "%s/server.js", dir);
    snprintf(log, sizeof(log), "%s.log", dir);
    journal_rmtree(dir); /* one a killed repetition left */
    unlink(log);
    int unpriv = srv_unpriv_dir(dir, ub, sizeof(ub), e);
    if (unpriv < 0) return err_wrap(e, "filetask server=node");
    char tokf[460], tok[64];
    snprintf(tokf, sizeof(tokf), "%s/token", dir);
    if (!ctx->secret || !ctx->secret[0])
        return err_set(e, ERR_USAGE, "filetask server=node: the job carries no secret");
    net_secret_path(ctx->secret, "ft", tok, sizeof(tok)); /* read by the app, never in argv */
    FILE *f = fopen(app, "wex"), *g = fopen(tokf, "wex"); /* O_EXCL: never through a link */
    int ok = f && g && fputs(ft_node_app, f) >= 0 && fputs(tok, g) >= 0;
    if (f) ok &= fclose(f) == 0;
    if (g) ok &= fclose(g) == 0;
    if (!ok) {
        journal_rmtree(dir);
        return err_set(e, ERR_FAIL, "filetask server=node: writing %s", app);
    }
    snprintf(port, sizeof(port), "%d", ctx->port);
    snprintf(b, sizeof(b), "%llu", (unsigned long long)bytes);
    snprintf(w, sizeof(w), "%llu", (unsigned long long)writes);
    char *argv[] = {NODE_BIN, app, (char *)(ctx->addr ? ctx->addr : ""), port, dir, b, w, NULL};
    setenv("NODE_PATH", NODE_MODULES, 1); /* this job process's own environment */
    struct srv s cleanup_srv = {0};
    int rc = srv_start_as(&s, "node", argv, -1, log, -1, unpriv, e);
    if (rc == 0) rc = srv_wait(&s, util_now() + 86400.0, e); /* the job's timeout ends it */
    char text[4096] = "", versions[96];
    double tasks = 0, sum = 0;
    util_read_file(log, text, sizeof(text));
    if (rc == 0 && ft_node_parse_log(text, versions, sizeof(versions), &tasks, &sum) < 0)
        rc = err_set(e, ERR_FAIL, "filetask server=node: no task count in its log: %.200s", text);
    if (rc == 0 && tasks == 0) rc = err_set(e, ERR_FAIL, "filetask server: no task was asked for");
    if (rc == 0) {
        kv_set(&r->facts, "filetask.server", versions, NULL);
        kv_set(&r->facts, "filetask.user", unpriv ? "65534" : "root", NULL);
        if (!unpriv) kv_set(&r->facts, "filetask.user.why", ub, NULL);
        if (result_add(r, "tasks", "tasks", BETTER_HIGHER, tasks, e) < 0 ||
            result_add(r, "task_ms", "ms", BETTER_LOWER, sum / tasks * 1e3, e) < 0)
            rc = -1;
    }
    journal_rmtree(dir);
    if (rc == 0) unlink(log); /* kept when something failed: the error names it */
    return rc < 0 ? err_wrap(e, "filetask server=node") : 0;
}
