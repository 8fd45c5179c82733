/*
 * Baseline (d): the floor. One fixture cycle in raw rtnetlink from C.
 *
 *   usage: fixture_cycle N [WARMUP] [--tun-setns] [--combined]
 *   stdout: {"name":"c-rtnetlink...","cycles_ms":[...]}   (one line)
 *   stderr: the br0 state read in the last cycle (sanity check)
 *
 * One cycle:
 *   unshare(CLONE_NEWNET) -> open NETLINK_ROUTE socket and the new netns fd
 *   (and, by default, /dev/net/tun) while inside -> setns() back to the
 *   original namespace right away. Everything else goes over the netlink
 *   socket, which stays bound to the new namespace.
 *   RTM_NEWLINK br0 kind bridge (NLM_F_ECHO to learn its ifindex)
 *   tap0: TUNSETIFF IFF_TAP|IFF_NO_PI, TUNSETPERSIST 1, close
 *   RTM_SETLINK tap0 address / master / br0 up / tap0 up (4 ACKed requests;
 *     --combined: tap0 {address,master,up} + br0 up = 2 requests)
 *   RTM_GETLINK br0 by name, parse ifi_flags, IFLA_OPERSTATE, IFLA_CARRIER,
 *     IFLA_LINKINFO/IFLA_INFO_DATA/IFLA_BR_BRIDGE_ID; check IFF_UP and the
 *     bridge id (8000.52:54:00:00:00:01, inherited from tap0). operstate and
 *     carrier are only recorded: right after setup they are racy (the bridge
 *     starts with carrier on and the kernel turns it off asynchronously once
 *     it processes tap0's no-carrier state), see the tally on stderr.
 *   close netlink socket + netns fd: the namespace (bridge, persistent tap)
 *   goes away with the last reference (the kernel frees it asynchronously).
 *
 * --tun-setns: open /dev/net/tun at the tap step instead, by setns() into
 *   the saved new-netns fd and back (2 extra setns calls per cycle).
 *
 * Safety: nothing is ever created through a handle bound to the original
 * namespace; after unshare the new netns inode is checked to differ from the
 * original one, and a failed setns() back aborts the program.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#ifndef IFLA_BR_BRIDGE_ID
#define IFLA_BR_BRIDGE_ID 11
#endif

static const unsigned char TAP_MAC[6] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x01};

static int orig_ns = -1;
static ino_t orig_ino;
static int opt_tun_setns = 0;
static int opt_combined = 0;

static void die(const char *what) {
	fprintf(stderr, "fixture_cycle: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void die_msg(const char *what) {
	fprintf(stderr, "fixture_cycle: %s\n", what);
	exit(1);
}

static double now_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void back_to_orig(void) {
	if (setns(orig_ns, CLONE_NEWNET) < 0)
		die("setns(original netns)"); /* never continue in the wrong netns */
}

/* ---- netlink message building ---------------------------------------- */

struct req {
	struct nlmsghdr n;
	struct ifinfomsg i;
	char buf[256];
};

static void req_init(struct req *r, uint16_t type, uint16_t flags, int ifindex) {
	memset(r, 0, sizeof(*r));
	r->n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	r->n.nlmsg_type = type;
	r->n.nlmsg_flags = NLM_F_REQUEST | flags;
	r->i.ifi_family = AF_UNSPEC;
	r->i.ifi_index = ifindex;
}

static struct rtattr *addattr(struct req *r, unsigned short type, const void *data, size_t len) {
	size_t rlen = RTA_LENGTH(len);
	if (NLMSG_ALIGN(r->n.nlmsg_len) + RTA_ALIGN(rlen) > sizeof(*r))
		die_msg("netlink request too large");
	struct rtattr *rta = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->n.nlmsg_len));
	rta->rta_type = type;
	rta->rta_len = (unsigned short)rlen;
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	r->n.nlmsg_len = NLMSG_ALIGN(r->n.nlmsg_len) + RTA_ALIGN(rlen);
	return rta;
}

static void addattr_str(struct req *r, unsigned short type, const char *s) {
	addattr(r, type, s, strlen(s) + 1);
}

static void addattr_u32(struct req *r, unsigned short type, uint32_t v) {
	addattr(r, type, &v, sizeof(v));
}

static struct rtattr *nest_start(struct req *r, unsigned short type) {
	return addattr(r, type | NLA_F_NESTED, NULL, 0);
}

static void nest_end(struct req *r, struct rtattr *nest) {
	nest->rta_len = (unsigned short)((char *)r + r->n.nlmsg_len - (char *)nest);
}

/* ---- netlink transaction --------------------------------------------- */

static uint32_t seq;
static char rxbuf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));

/*
 * Send one request and read until the matching NLMSG_ERROR (ACK or error),
 * or, when the request has no NLM_F_ACK, until the first reply message.
 * If want_type != 0, the first message of that type is copied to *reply
 * (which must hold reply_len bytes). Returns 0 or -errno from the kernel.
 */
static int nl_talk(int fd, struct req *r, uint16_t want_type, void *reply, size_t reply_len,
		   int *got_reply) {
	r->n.nlmsg_seq = ++seq;
	if (got_reply)
		*got_reply = 0;
	if (send(fd, r, r->n.nlmsg_len, 0) != (ssize_t)r->n.nlmsg_len)
		die("netlink send");
	for (int rounds = 0; rounds < 64; rounds++) { /* bounded */
		ssize_t n = recv(fd, rxbuf, sizeof(rxbuf), MSG_TRUNC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("netlink recv");
		}
		if ((size_t)n > sizeof(rxbuf))
			die_msg("netlink reply truncated");
		for (struct nlmsghdr *h = (struct nlmsghdr *)rxbuf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != r->n.nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);
				return e->error; /* 0 = ACK */
			}
			if (want_type && h->nlmsg_type == want_type && reply && got_reply && !*got_reply) {
				if (h->nlmsg_len > reply_len)
					die_msg("netlink reply larger than buffer");
				memcpy(reply, h, h->nlmsg_len);
				*got_reply = 1;
				if (!(r->n.nlmsg_flags & NLM_F_ACK))
					return 0;
			}
		}
	}
	die_msg("netlink: no ACK after 64 reads");
	return -EIO;
}

static void nl_ack(int fd, struct req *r, const char *what) {
	int err = nl_talk(fd, r, 0, NULL, 0, NULL);
	if (err) {
		errno = -err;
		die(what);
	}
}

/* ---- parsing ------------------------------------------------------------ */

struct br_state {
	int ifindex;
	unsigned flags;
	int operstate, carrier;
	int have_bid;
	struct ifla_bridge_id bid;
};

static void parse_link(struct nlmsghdr *h, struct br_state *st) {
	struct ifinfomsg *ifi = NLMSG_DATA(h);
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifi));
	memset(st, 0, sizeof(*st));
	st->ifindex = ifi->ifi_index;
	st->flags = ifi->ifi_flags;
	st->operstate = st->carrier = -1;
	for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		switch (a->rta_type & NLA_TYPE_MASK) {
		case IFLA_OPERSTATE:
			st->operstate = *(uint8_t *)RTA_DATA(a);
			break;
		case IFLA_CARRIER:
			st->carrier = *(uint8_t *)RTA_DATA(a);
			break;
		case IFLA_LINKINFO: {
			int l1 = (int)RTA_PAYLOAD(a);
			for (struct rtattr *b = RTA_DATA(a); RTA_OK(b, l1); b = RTA_NEXT(b, l1)) {
				if ((b->rta_type & NLA_TYPE_MASK) != IFLA_INFO_DATA)
					continue;
				int l2 = (int)RTA_PAYLOAD(b);
				for (struct rtattr *c = RTA_DATA(b); RTA_OK(c, l2); c = RTA_NEXT(c, l2)) {
					if ((c->rta_type & NLA_TYPE_MASK) == IFLA_BR_BRIDGE_ID &&
					    RTA_PAYLOAD(c) >= sizeof(st->bid)) {
						memcpy(&st->bid, RTA_DATA(c), sizeof(st->bid));
						st->have_bid = 1;
					}
				}
			}
			break;
		}
		}
	}
}

/* ---- one cycle --------------------------------------------------------- */

static char reply[32768] __attribute__((aligned(NLMSG_ALIGNTO)));

static void setlink(int nl, const char *ifname, int ifindex, const unsigned char *mac,
		    int master, int up, const char *what) {
	struct req r;
	req_init(&r, RTM_SETLINK, NLM_F_ACK, ifindex);
	if (!ifindex)
		addattr_str(&r, IFLA_IFNAME, ifname);
	if (mac)
		addattr(&r, IFLA_ADDRESS, mac, 6);
	if (master)
		addattr_u32(&r, IFLA_MASTER, (uint32_t)master);
	if (up) {
		r.i.ifi_flags = IFF_UP;
		r.i.ifi_change = IFF_UP;
	}
	nl_ack(nl, &r, what);
}

static int getlink_by_name(int nl, const char *ifname, struct br_state *st) {
	struct req r;
	int got;
	req_init(&r, RTM_GETLINK, 0, 0);
	addattr_str(&r, IFLA_IFNAME, ifname);
	addattr_u32(&r, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	int err = nl_talk(nl, &r, RTM_NEWLINK, reply, sizeof(reply), &got);
	if (err) {
		errno = -err;
		die("RTM_GETLINK");
	}
	if (!got)
		die_msg("RTM_GETLINK: no reply");
	parse_link((struct nlmsghdr *)reply, st);
	return st->ifindex;
}

static void open_tun(int *tun) {
	*tun = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (*tun < 0)
		die("open /dev/net/tun");
}

static void cycle(struct br_state *out) {
	/* 1. new namespace: netlink socket + ns fd (+ tun fd) opened inside */
	if (unshare(CLONE_NEWNET) < 0)
		die("unshare(CLONE_NEWNET)");
	int nsfd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (nsfd < 0) {
		int e = errno;
		back_to_orig();
		errno = e;
		die("open new netns fd");
	}
	struct stat sb;
	if (fstat(nsfd, &sb) < 0 || sb.st_ino == orig_ino) {
		back_to_orig();
		die_msg("unshare did not give a new netns");
	}
	int nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	int tun = -1;
	if (nl >= 0 && !opt_tun_setns)
		open_tun(&tun);
	back_to_orig();
	if (nl < 0)
		die("socket(NETLINK_ROUTE)");

	/* 2. bridge br0; NLM_F_ECHO returns the new link (its ifindex) */
	struct req r;
	struct br_state st;
	int got = 0, br_index = 0;
	req_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK | NLM_F_ECHO, 0);
	addattr_str(&r, IFLA_IFNAME, "br0");
	struct rtattr *li = nest_start(&r, IFLA_LINKINFO);
	addattr_str(&r, IFLA_INFO_KIND, "bridge");
	nest_end(&r, li);
	int err = nl_talk(nl, &r, RTM_NEWLINK, reply, sizeof(reply), &got);
	if (err) {
		errno = -err;
		die("RTM_NEWLINK br0");
	}
	if (got)
		br_index = ((struct ifinfomsg *)NLMSG_DATA((struct nlmsghdr *)reply))->ifi_index;
	else /* kernel without NLM_F_ECHO for newlink: look it up */
		br_index = getlink_by_name(nl, "br0", &st);

	/* 3. tap0, persistent */
	if (opt_tun_setns) {
		if (setns(nsfd, CLONE_NEWNET) < 0)
			die("setns(new netns)");
		tun = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
		int e = errno;
		back_to_orig();
		errno = e;
		if (tun < 0)
			die("open /dev/net/tun");
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	strcpy(ifr.ifr_name, "tap0");
	if (ioctl(tun, TUNSETIFF, &ifr) < 0)
		die("TUNSETIFF");
	if (ioctl(tun, TUNSETPERSIST, 1) < 0)
		die("TUNSETPERSIST");
	close(tun);

	/* 3-5. MAC, master, up */
	if (opt_combined) {
		setlink(nl, "tap0", 0, TAP_MAC, br_index, 1, "RTM_SETLINK tap0 address+master+up");
		setlink(nl, NULL, br_index, NULL, 0, 1, "RTM_SETLINK br0 up");
	} else {
		setlink(nl, "tap0", 0, TAP_MAC, 0, 0, "RTM_SETLINK tap0 address");
		setlink(nl, "tap0", 0, NULL, br_index, 0, "RTM_SETLINK tap0 master");
		setlink(nl, NULL, br_index, NULL, 0, 1, "RTM_SETLINK br0 up");
		setlink(nl, "tap0", 0, NULL, 0, 1, "RTM_SETLINK tap0 up");
	}

	/* 6. read br0 back from the kernel */
	getlink_by_name(nl, "br0", &st);
	if (!(st.flags & IFF_UP) || st.operstate < 0 || st.carrier < 0 || !st.have_bid ||
	    memcmp(st.bid.addr, TAP_MAC, 6) != 0 || st.bid.prio[0] != 0x80 || st.bid.prio[1] != 0)
		die_msg("br0 state read back is not what the fixture set up");
	*out = st;

	/* 7. drop our references: the namespace and everything in it go away */
	close(nl);
	close(nsfd);
}

static long parse_count(const char *s) {
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < 0 || v > 10000000)
		return -1;
	return v;
}

int main(int argc, char **argv) {
	long n = -1, warmup = 0;
	int pos = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--tun-setns"))
			opt_tun_setns = 1;
		else if (!strcmp(argv[i], "--combined"))
			opt_combined = 1;
		else if (pos == 0 && (n = parse_count(argv[i])) >= 0)
			pos++;
		else if (pos == 1 && (warmup = parse_count(argv[i])) >= 0)
			pos++;
		else
			n = -1, pos = 99;
	}
	if (n < 0 || warmup < 0 || pos > 2) {
		fprintf(stderr, "usage: %s N [WARMUP] [--tun-setns] [--combined]\n", argv[0]);
		return 2;
	}

	orig_ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig_ns < 0)
		die("open /proc/thread-self/ns/net");
	struct stat sb;
	if (fstat(orig_ns, &sb) < 0)
		die("fstat original netns");
	orig_ino = sb.st_ino;

	double *ms = calloc((size_t)n + 1, sizeof(double));
	if (!ms)
		die("calloc");
	struct br_state st;
	memset(&st, 0, sizeof(st));
	/* tally of (operstate, carrier) seen for br0 over all cycles: the
	 * bridge's carrier/operstate settle asynchronously in the kernel */
	long seen[7][2];
	memset(seen, 0, sizeof(seen));
	for (long i = 0; i < warmup + n; i++) {
		double t0 = now_ms();
		cycle(&st);
		if (i >= warmup)
			ms[i - warmup] = now_ms() - t0;
		if (st.operstate >= 0 && st.operstate <= 6 && st.carrier >= 0 && st.carrier <= 1)
			seen[st.operstate][st.carrier]++;
	}

	if (n + warmup > 0) {
		static const char *opers[] = {"UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN",
					      "TESTING", "DORMANT", "UP"};
		fprintf(stderr,
			"fixture_cycle: br0 ifindex=%d flags=0x%x operstate=%d(%s) carrier=%d "
			"bridge_id=%02x%02x.%02x:%02x:%02x:%02x:%02x:%02x\n",
			st.ifindex, st.flags, st.operstate,
			(st.operstate >= 0 && st.operstate <= 6) ? opers[st.operstate] : "?", st.carrier,
			st.bid.prio[0], st.bid.prio[1], st.bid.addr[0], st.bid.addr[1], st.bid.addr[2],
			st.bid.addr[3], st.bid.addr[4], st.bid.addr[5]);
		fprintf(stderr, "fixture_cycle: br0 (operstate,carrier) over %ld cycles:", warmup + n);
		for (int o = 0; o <= 6; o++)
			for (int c = 0; c <= 1; c++)
				if (seen[o][c])
					fprintf(stderr, " %s/carrier=%d: %ld", opers[o], c, seen[o][c]);
		fprintf(stderr, "\n");
	}

	printf("{\"name\":\"c-rtnetlink%s%s\",\"cycles_ms\":[", opt_tun_setns ? "-tun-setns" : "",
	       opt_combined ? "-combined" : "");
	for (long i = 0; i < n; i++)
		printf("%s%.3f", i ? "," : "", ms[i]);
	printf("]}\n");
	free(ms);
	close(orig_ns);
	return 0;
}
