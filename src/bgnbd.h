/* bgnbd.h — the BG/NBD purchase model (Fader, Hardie & Lee 2005) and the
 * gamma-gamma spend model (Fader & Hardie 2013, note 025), fitted by maximum
 * likelihood (GSL's minimiser).  Time is in weeks.
 *
 * Per customer: x = repeat purchase days, t_x = weeks from first to last
 * purchase, t_cal = weeks from first purchase to the end of calibration,
 * zbar = mean value of the repeat purchases (0 when x = 0). */
#ifndef TIDE_BGNBD_H
#define TIDE_BGNBD_H

#include <stddef.h>

#include "err.h"

typedef struct bgnbd_cust {
	double x, t_x, t_cal, zbar;
} bgnbd_cust;

typedef struct bgnbd_params {
	double r, alpha, a, b;
	double ll;		/* maximised summed log-likelihood */
} bgnbd_params;

typedef struct gg_params {
	double p, q, gamma;
	double ll;
} gg_params;

/* Fits over n customers.  Returns 0, or TIDE_EINPUT when n == 0 or the fit
 * does not converge (message says why). */
int bgnbd_fit(const bgnbd_cust *c, size_t n, bgnbd_params *out, tide_err *e);

/* Log-likelihood of the whole set at given parameters (for tests and for
 * checking a fit against published values). */
double bgnbd_ll(const bgnbd_params *p, const bgnbd_cust *c, size_t n);

/* P(alive | x, t_x, t_cal); 1 when x == 0. */
double bgnbd_p_alive(const bgnbd_params *p, const bgnbd_cust *c);

/* Expected purchases in the next t weeks given the history. */
double bgnbd_expected(const bgnbd_params *p, const bgnbd_cust *c, double t);

/* Gamma-gamma over the customers with x > 0 (others are ignored). */
int gg_fit(const bgnbd_cust *c, size_t n, gg_params *out, tide_err *e);
double gg_ll(const gg_params *p, const bgnbd_cust *c, size_t n);

/* Conditional expected mean purchase value (population mean when x == 0). */
double gg_expected_spend(const gg_params *p, const bgnbd_cust *c);

/* Σ_{k=1..months} (E[purchases in (30(k−1), 30k] days]) × spend / (1+rate)^k. */
double bgnbd_clv(const bgnbd_params *bp, const gg_params *gp,
		 const bgnbd_cust *c, int months, double rate);

#endif
