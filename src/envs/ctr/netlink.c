#include "envs/ctr/netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "envs/undo.h"
#include "core/journal.h"
#include "core/util.h"
#include "envs/ctr/net.h"

/* Sends one request and waits for its ACK; -1 with errno on failure. */
static int nl_talk(struct nlmsghdr *nlh)
{
    struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
    if (!nl) return -1;
    int rc = -1, saved = 0;
    if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == 0) {
        unsigned seq = (unsigned)time(NULL);
        nlh->nlmsg_seq = seq;
        nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
        if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) >= 0) {
            char buf[MNL_SOCKET_BUFFER_SIZE];
            ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
            if (n >= 0) rc = mnl_cb_run(buf, (size_t)n, seq, mnl_socket_get_portid(nl), NULL, NULL);
        }
    }
    saved = errno;
    mnl_socket_close(nl);
    errno = saved;
    return rc < 0 ? -1 : 0;
}

static struct nlmsghdr *link_msg(char *buf, int type, int flags, int index)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = (uint16_t)type;
    nlh->nlmsg_flags = (uint16_t)flags;
    struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
    ifm->ifi_family = AF_UNSPEC;
    ifm->ifi_index = index;
    return nlh;
}

int nl_bridge_add(const char *name, struct err *e)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    struct nlattr *li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
    mnl_attr_nest_end(nlh, li);
    if (nl_talk(nlh) < 0) return err_sys(e, ERR_FAIL, errno, "creating bridge %s", name);
    return 0;
}

int nl_veth_add(const char *name, const char *peer, pid_t pid, int nsfd, struct err *e)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    struct nlattr *li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
    struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    struct nlattr *p = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
    struct ifinfomsg *pifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifm));
    pifm->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
    if (nsfd >= 0)
        mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)nsfd);
    else
        mnl_attr_put_u32(nlh, IFLA_NET_NS_PID, (uint32_t)pid);
    mnl_attr_nest_end(nlh, p);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, li);
    if (nl_talk(nlh) < 0) return err_sys(e, ERR_FAIL, errno, "creating veth %s", name);
    return 0;
}

int nl_link_set(const char *name, int up, const char *master, struct err *e)
{
    int idx = (int)if_nametoindex(name);
    if (!idx) return err_set(e, ERR_FAIL, "no link %s", name);
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, idx);
    struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
    if (up) {
        ifm->ifi_flags = IFF_UP;
        ifm->ifi_change = IFF_UP;
    }
    if (master) {
        unsigned m = if_nametoindex(master);
        if (!m) return err_set(e, ERR_FAIL, "no link %s", master);
        mnl_attr_put_u32(nlh, IFLA_MASTER, m);
    }
    if (nl_talk(nlh) < 0) return err_sys(e, ERR_FAIL, errno, "configuring %s", name);
    return 0;
}

int nl_addr_add(const char *name, uint32_t addr, int prefix, struct err *e)
{
    unsigned idx = if_nametoindex(name);
    if (!idx) return err_set(e, ERR_FAIL, "no link %s", name);
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_NEWADDR;
    nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
    ifa->ifa_family = AF_INET;
    ifa->ifa_prefixlen = (unsigned char)prefix;
    ifa->ifa_index = idx;
    mnl_attr_put_u32(nlh, IFA_LOCAL, addr);
    mnl_attr_put_u32(nlh, IFA_ADDRESS, addr);
    if (nl_talk(nlh) < 0) return err_sys(e, ERR_FAIL, errno, "address on %s", name);
    return 0;
}

int nl_route_default(const char *dev, uint32_t gw, struct err *e)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_NEWROUTE;
    nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
    struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
    rtm->rtm_family = AF_INET;
    rtm->rtm_table = RT_TABLE_MAIN;
    rtm->rtm_protocol = RTPROT_BOOT;
    rtm->rtm_scope = RT_SCOPE_UNIVERSE;
    rtm->rtm_type = RTN_UNICAST;
    mnl_attr_put_u32(nlh, RTA_GATEWAY, gw);
    mnl_attr_put_u32(nlh, RTA_OIF, if_nametoindex(dev));
    if (nl_talk(nlh) < 0) return err_sys(e, ERR_FAIL, errno, "default route");
    return 0;
}

int net_loopback_up(struct err *e)
{
    return nl_link_set("lo", 1, NULL, e);
}

int nl_nft_run(const char *cmd, struct err *e)
{
    struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
    if (!ctx) return err_set(e, ERR_FAIL, "nftables: cannot create a context");
    nft_ctx_buffer_error(ctx);
    int rc = nft_run_cmd_from_buffer(ctx, cmd);
    if (rc != 0) {
        const char *msg = nft_ctx_get_error_buffer(ctx);
        err_set(e, ERR_FAIL, "nftables: %.200s", msg && *msg ? msg : "command failed");
        for (char *p = e->msg; *p; p++)
            if (*p == '\n') *p = ' ';
    }
    nft_ctx_free(ctx);
    return rc ? -1 : 0;
}

/* ---- undo handlers, registered with the journal ---- */
int net_undo_link(const char *name)
{
    unsigned idx = if_nametoindex(name);
    if (!idx) return 0;
    char buf[MNL_SOCKET_BUFFER_SIZE];
    return nl_talk(link_msg(buf, RTM_DELLINK, 0, (int)idx)) < 0 && errno != ENODEV ? -1 : 0;
}

int net_undo_nft(const char *table)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "delete table %s", table);
    struct err e = {0};
    if (nl_nft_run(cmd, &e) == 0) return 0;
    return strstr(e.msg, "No such file") ? 0 : -1;
}

/* "PATH OLDVALUE": writes the old value back. */
int net_undo_sysctl(const char *arg)
{
    char path[256], old[64];
    if (sscanf(arg, "%255s %63s", path, old) != 2) return -1;
    FILE *f = fopen(path, "we");
    if (!f) return -1;
    int ok = fputs(old, f) >= 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}
