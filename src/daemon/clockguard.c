/* clockguard — see clockguard.h. */
#include "clockguard.h"

void clockguard_init(struct clockguard *g, uint64_t high_water)
{
	*g = (struct clockguard){ .high_water = high_water };
}

int64_t clockguard_observe(struct clockguard *g, int64_t real, int64_t mono)
{
	int64_t jump = 0;
	if (g->have_sample) {
		int64_t d = (real - g->last_real) - (mono - g->last_mono);
		if (d > CLOCKGUARD_JUMP_SECONDS || d < -CLOCKGUARD_JUMP_SECONDS)
			jump = d;
	}
	g->have_sample = true;
	g->last_real = real;
	g->last_mono = mono;
	return jump;
}

bool clockguard_prune_cutoff(const struct clockguard *g, uint64_t now, uint64_t *cutoff)
{
	/* Never further than the newest record allows: a clock that jumped
	 * forward must not take the records a later correction still needs. */
	uint64_t base = g->high_water < now ? g->high_water : now;
	if (base <= CLOCKGUARD_MARGIN)
		return false;
	*cutoff = base - CLOCKGUARD_MARGIN;
	return true;
}

bool clockguard_admits(const struct clockguard *g, uint64_t knock_time)
{
	return g->high_water <= CLOCKGUARD_MARGIN ||
		knock_time >= g->high_water - CLOCKGUARD_MARGIN;
}

void clockguard_recorded(struct clockguard *g, uint64_t knock_time)
{
	if (knock_time > g->high_water)
		g->high_water = knock_time;
}
