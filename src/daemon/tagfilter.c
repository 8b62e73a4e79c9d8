/* tagfilter — see tagfilter.h. */
#include "tagfilter.h"

#include <linux/if_ether.h>
#include <netinet/in.h>
#include <stdlib.h>

/* Prefixes compared one after the other at a leaf of the search tree. */
#define LEAF_PREFIXES 8
/* Labels a program jumps to; forward only, as classic BPF wants. NEXT
 * (after them) means the next instruction. */
enum label { L_V4, L_V6, L_LEN4, L_LEN6, L_TAG4, L_TAG6, L_DROP, L_TREE, L_COUNT };
/* Jumps waiting for a label: one per port and a few more, per block. */
#define FIXUPS_MAX (4 * TAGFILTER_PORTS_MAX + 32)

struct program {
	struct sock_filter *insn;
	size_t n, max;
	size_t at[L_COUNT]; /* where each label is, once placed */
	bool placed[L_COUNT];
	struct fixup {
		size_t insn;
		enum label to;
		bool jt; /* the true branch, else the false one */
	} fix[FIXUPS_MAX];
	size_t nfix;
	bool overflow;
};

#define NEXT L_COUNT

static size_t emit(struct program *p, uint16_t code, uint32_t k)
{
	if (p->n == p->max) {
		p->overflow = true;
		return p->n;
	}
	p->insn[p->n] = (struct sock_filter){ .code = code, .k = k };
	return p->n++;
}

static void later(struct program *p, size_t insn, enum label to, bool jt)
{
	if (to == NEXT || p->overflow)
		return;
	if (p->nfix == FIXUPS_MAX) {
		p->overflow = true;
		return;
	}
	p->fix[p->nfix++] = (struct fixup){ insn, to, jt };
}

/* A conditional jump on A against k, to label jt or jf (NEXT: fall through). */
static void jump_if(struct program *p, uint16_t op, uint32_t k, unsigned jt, unsigned jf)
{
	size_t i = emit(p, BPF_JMP | op | BPF_K, k);
	later(p, i, (enum label)jt, true);
	later(p, i, (enum label)jf, false);
}

/* An unconditional jump to a label placed later (32-bit offset). */
static void jump_to(struct program *p, enum label to)
{
	size_t i = emit(p, BPF_JMP | BPF_JA, 0);
	if (i < p->n)
		later(p, i, to, false); /* resolve() sets k for a BPF_JA */
}

static void place(struct program *p, enum label l)
{
	p->at[l] = p->n;
	p->placed[l] = true;
}

/* Resolves every jump; false if a conditional one is out of its 8 bits. */
static bool resolve(struct program *p)
{
	for (size_t i = 0; i < p->nfix; i++) {
		const struct fixup *f = &p->fix[i];
		struct sock_filter *in = &p->insn[f->insn];
		if (!p->placed[f->to] || p->at[f->to] <= f->insn)
			return false;
		size_t off = p->at[f->to] - f->insn - 1;
		if (BPF_OP(in->code) == BPF_JA)
			in->k = (uint32_t)off;
		else if (off > 255)
			return false;
		else if (f->jt)
			in->jt = (uint8_t)off;
		else
			in->jf = (uint8_t)off;
	}
	return true;
}

/* Port, then UDP length, each a chain of comparisons of A. */
static void match_any(struct program *p, const uint16_t *v, size_t n, enum label hit)
{
	for (size_t i = 0; i < n; i++)
		jump_if(p, BPF_JEQ, v[i], hit, i + 1 < n ? NEXT : L_DROP);
}

/* The IPv4 block: UDP, not a fragment, to a knock port, of a knock's
 * length; then A = the payload's first word. X holds the header length. */
static void ipv4_block(struct program *p, const struct tagfilter_spec *s)
{
	place(p, L_V4);
	emit(p, BPF_LD | BPF_B | BPF_ABS, (uint32_t)SKF_NET_OFF + 9);
	jump_if(p, BPF_JEQ, IPPROTO_UDP, NEXT, L_DROP);
	emit(p, BPF_LD | BPF_H | BPF_ABS, (uint32_t)SKF_NET_OFF + 6);
	jump_if(p, BPF_JSET, 0x1fff, L_DROP, NEXT);
	emit(p, BPF_LDX | BPF_B | BPF_MSH, (uint32_t)SKF_NET_OFF);
	emit(p, BPF_LD | BPF_H | BPF_IND, (uint32_t)SKF_NET_OFF + 2);
	match_any(p, s->ports, s->nports, L_LEN4);
	place(p, L_LEN4);
	emit(p, BPF_LD | BPF_H | BPF_IND, (uint32_t)SKF_NET_OFF + 4);
	match_any(p, s->udp_lengths, 2, L_TAG4);
	place(p, L_TAG4);
	emit(p, BPF_LD | BPF_W | BPF_IND, (uint32_t)SKF_NET_OFF + 8 + s->tag_offset);
	jump_to(p, L_TREE);
}

/* IPv6 without extension headers, as knocks are sent. */
static void ipv6_block(struct program *p, const struct tagfilter_spec *s)
{
	place(p, L_V6);
	emit(p, BPF_LD | BPF_B | BPF_ABS, (uint32_t)SKF_NET_OFF + 6);
	jump_if(p, BPF_JEQ, IPPROTO_UDP, NEXT, L_DROP);
	emit(p, BPF_LD | BPF_H | BPF_ABS, (uint32_t)SKF_NET_OFF + 40 + 2);
	match_any(p, s->ports, s->nports, L_LEN6);
	place(p, L_LEN6);
	emit(p, BPF_LD | BPF_H | BPF_ABS, (uint32_t)SKF_NET_OFF + 40 + 4);
	match_any(p, s->udp_lengths, 2, L_TAG6);
	place(p, L_TAG6);
	emit(p, BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_NET_OFF + 40 + 8 + s->tag_offset);
	jump_to(p, L_TREE);
}

/* The search tree over v[0..n), sorted: an inner node sends A at or above
 * its middle value to the right half (a long jump), the rest falls into
 * the left half; a leaf compares each value and returns. */
static void tree(struct program *p, const uint32_t *v, size_t n, uint32_t snaplen)
{
	if (n <= LEAF_PREFIXES) {
		for (size_t i = 0; i < n; i++) {
			size_t j = emit(p, BPF_JMP | BPF_JEQ | BPF_K, v[i]);
			if (j < p->n)
				p->insn[j].jt = (uint8_t)(n - i); /* to the accept below */
		}
		emit(p, BPF_RET | BPF_K, 0);
		emit(p, BPF_RET | BPF_K, snaplen);
		return;
	}
	size_t half = n / 2;
	size_t node = emit(p, BPF_JMP | BPF_JGE | BPF_K, v[half]);
	if (node < p->n)
		p->insn[node].jf = 1; /* over the long jump: the left half */
	size_t far = emit(p, BPF_JMP | BPF_JA, 0);
	tree(p, v, half, snaplen);
	if (far < p->n)
		p->insn[far].k = (uint32_t)(p->n - far - 1);
	tree(p, v + half, n - half, snaplen);
}

static int by_value(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static size_t sort_unique(uint32_t *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof *v, by_value);
	size_t out = 1;
	for (size_t i = 1; i < n; i++)
		if (v[i] != v[out - 1])
			v[out++] = v[i];
	return out;
}

uint32_t tagfilter_prefix(const uint8_t bytes[static 4])
{
	return (uint32_t)bytes[0] << 24 | (uint32_t)bytes[1] << 16 | (uint32_t)bytes[2] << 8 |
		bytes[3];
}

size_t tagfilter_build(struct tagfilter_spec *s, struct sock_filter *out, size_t max)
{
	if (s->nports == 0 || s->nports > TAGFILTER_PORTS_MAX || s->tag_offset > 4 ||
	    (!s->loose && (s->nprefixes > TAGFILTER_PREFIXES_MAX || (s->nprefixes && !s->prefixes))))
		return 0;
	struct program p = { .insn = out, .max = max };
	emit(&p, BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_AD_OFF + SKF_AD_PROTOCOL);
	jump_if(&p, BPF_JEQ, ETH_P_IP, L_V4, NEXT);
	jump_if(&p, BPF_JEQ, ETH_P_IPV6, L_V6, L_DROP);
	ipv4_block(&p, s);
	ipv6_block(&p, s);
	place(&p, L_DROP);
	emit(&p, BPF_RET | BPF_K, 0);
	place(&p, L_TREE);
	if (s->loose) {
		emit(&p, BPF_RET | BPF_K, s->snaplen);
	} else {
		s->nprefixes = sort_unique(s->prefixes, s->nprefixes);
		tree(&p, s->prefixes, s->nprefixes, s->snaplen);
	}
	if (p.overflow || !resolve(&p))
		return 0;
	return p.n;
}
