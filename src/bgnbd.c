/* bgnbd.c — BG/NBD (Fader, Hardie & Lee 2005) and gamma-gamma (Fader &
 * Hardie 2013, note 025) models: log-likelihoods, maximum-likelihood fits with
 * GSL's minimisers, and the per-customer quantities built on them.
 *
 * Numerics, in short:
 *  - Log-likelihoods use log Pochhammer / log Beta functions (no differences
 *    of large lgamma values) and the BG/NBD x > 0 term is a log-sum-exp.
 *    α^r / (α+T)^(r+x) is written −r·log1p(T/α) − x·log(α+T), which stays
 *    exact when α is large.
 *  - Fits run over the logs of the parameters (all must be positive), on data
 *    rescaled to unit mean (T for BG/NBD, zbar for gamma-gamma), with
 *    identical customers merged into weighted rows and the terms that depend
 *    on x alone computed once per distinct x.  Nelder–Mead (nmsimplex2) from
 *    the best of a small grid of starting points, then BFGS (vector_bfgs2)
 *    with the analytic gradient, then a few Newton steps on the gradient.
 *    Converged means ‖∇‖∞ of the mean log-likelihood (per customer, w.r.t.
 *    the log-parameters) ≤ 1e-6; it normally ends near 1e-14.  A maximum
 *    with a parameter outside [1e-6, 1e6] (rescaled units) is at the edge
 *    of the parameter space (e.g. one customer, or no dropout at all): the
 *    fit then fails with a message naming the parameter, as does a data
 *    set without any repeat purchase (the BG/NBD likelihood has no maximum
 *    then).  On any failure *out is set to NaNs.
 *  - The conditional expectation (FHL eq. 10) needs 2F1(r+x, b+x; a+b+x−1; z)
 *    with z = t/(α+T+t) ∈ [0, 1).  We sum the Euler-transformed series
 *    w^(a−1)·2F1(a+b−1−r, a−1; c; z) (w = 1−z), with the 1/(a−1) of eq. 10
 *    folded into the coefficients, so a → 1 is not singular.  The series is
 *    summed with a bound on its tail and on its rounding error (at most
 *    5000 terms); when it would need more terms (z very close to 1, or a
 *    huge a+b+x) or would lose digits to cancellation, we instead integrate
 *    the same quantity as an expectation over the posterior Beta
 *    distribution of p (double-exponential trapezoidal rule in logit p),
 *    which converges for every t and every shape.  Both agree with a
 *    50-digit reference to ~1e-13.  (GSL's gsl_sf_hyperg_2F1 is not used:
 *    with c = a+b−1 ≤ 0 for x = 0 and a+b ≤ 1, or z near 1 with c−a−b
 *    near an integer, it errors or loses accuracy, and an error aborts.)
 *
 * GSL's default error handler aborts; every GSL special function here is
 * called only inside its domain, and the objective handed to the minimisers
 * is finite everywhere (outside a box of ±BOX in log-parameter space it is
 * continued by a quadratic penalty). */
#include "bgnbd.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>
#include <gsl/gsl_vector.h>

/* Log-parameters are confined to [−BOX, BOX] (e^23 ≈ 1e10); a fit whose
 * parameters, in the rescaled units, end outside [1/EDGE, EDGE] is reported
 * as not identifiable. */
#define BOX 23.0
#define EDGE 1e6
/* ...and one that has not converged with a parameter outside
 * [1/EDGE_NEAR, EDGE_NEAR] is on its way there (the likelihood flattens
 * out towards the edge, so the optimiser may stop short of it). */
#define EDGE_NEAR 1e3
/* Convergence: ‖∇ mean LL‖∞ w.r.t. the log-parameters. */
#define GRAD_TARGET 1e-10
#define GRAD_ACCEPT 1e-6

/* ------------------------------------------------------------------ */
/* Small special-function helpers (arguments always inside the domain). */

/* log Γ(a+x)/Γ(a) for a > 0, x ≥ 0. */
static double lnpoch(double a, double x)
{
	if (x == 0)
		return 0;
	gsl_sf_result res;
	if (gsl_sf_lnpoch_e(a, x, &res) == GSL_SUCCESS)
		return res.val;
	return lgamma(a + x) - lgamma(a);
}

/* ψ(a+x) − ψ(a) for a > 0, x ≥ 0 (exact sum for small whole x). */
static double psidiff(double a, double x)
{
	if (x == 0)
		return 0;
	if (x <= 64 && x == floor(x)) {
		double s = 0;
		for (int j = 0; j < (int)x; j++)
			s += 1.0 / (a + j);
		return s;
	}
	return gsl_sf_psi(a + x) - gsl_sf_psi(a);
}

static double lnbeta(double a, double b)
{
	gsl_sf_result res;
	if (gsl_sf_lnbeta_e(a, b, &res) == GSL_SUCCESS)
		return res.val;
	return lgamma(a) + lgamma(b) - lgamma(a + b);
}

/* log(e^u + e^v) */
static double lse(double u, double v)
{
	double m = u > v ? u : v, d = u > v ? v - u : u - v;
	return m + log1p(exp(d));
}

static int bad(double v)
{
	return !isfinite(v);
}

static int params_ok(const bgnbd_params *p)
{
	return p && p->r > 0 && p->alpha > 0 && p->a > 0 && p->b > 0 &&
	       isfinite(p->r) && isfinite(p->alpha) && isfinite(p->a) &&
	       isfinite(p->b);
}

static int gg_params_ok(const gg_params *p)
{
	return p && p->p > 0 && p->q > 0 && p->gamma > 0 && isfinite(p->p) &&
	       isfinite(p->q) && isfinite(p->gamma);
}

/* A customer the BG/NBD formulas accept: x ≥ 0, 0 ≤ t_x ≤ t_cal, finite,
 * and x = 0 or x ≥ 1 (so that b + x − 1 > 0). */
static int cust_ok(const bgnbd_cust *c)
{
	if (bad(c->x) || bad(c->t_x) || bad(c->t_cal))
		return 0;
	if (c->x < 0 || (c->x > 0 && c->x < 1))
		return 0;
	if (c->t_x < 0 || c->t_cal < 0 || c->t_x > c->t_cal * (1 + 1e-12) + 1e-12)
		return 0;
	return 1;
}

/* ------------------------------------------------------------------ */
/* BG/NBD log-likelihood. */

/* Per-customer log-likelihood, FHL (2005):
 *   ln L = ln A1 + ln A2 + ln(A3 + δ(x>0)·A4)
 *   A1 = Γ(r+x) α^r / Γ(r),  A2 = Γ(a+b) Γ(b+x) / (Γ(b) Γ(a+b+x)),
 *   A3 = (α+T)^−(r+x),       A4 = a/(b+x−1) · (α+t_x)^−(r+x).
 * kx = lnpoch(r,x) + lnpoch(b,x) − lnpoch(a+b,x) (the x-only part). */
static double bg_ll_row(double r, double alpha, double a, double b, double x,
			double tx, double T, double kx)
{
	double l3 = -r * log1p(T / alpha) - (x > 0 ? x * log(alpha + T) : 0);
	if (x > 0) {
		double l4 = log(a) - log(b + x - 1) - r * log1p(tx / alpha) -
			    x * log(alpha + tx);
		return kx + lse(l3, l4);
	}
	return kx + l3;
}

double bgnbd_ll(const bgnbd_params *p, const bgnbd_cust *c, size_t n)
{
	if (!params_ok(p) || (n > 0 && !c))
		return NAN;
	double sum = 0;
	for (size_t i = 0; i < n; i++) {
		if (!cust_ok(&c[i]))
			return NAN;
		double x = c[i].x;
		double kx = lnpoch(p->r, x) + lnpoch(p->b, x) -
			    lnpoch(p->a + p->b, x);
		sum += bg_ll_row(p->r, p->alpha, p->a, p->b, x, c[i].t_x,
				 c[i].t_cal, kx);
	}
	return sum;
}

/* ------------------------------------------------------------------ */
/* Generic minimiser over log-parameters: NM then BFGS, repeated. */

typedef struct objective {
	size_t d;
	/* Mean negative log-likelihood at params e^u; gradient w.r.t. u into
	 * g when g != NULL.  Must return a finite value for |u_i| ≤ BOX. */
	double (*eval)(const double *u, void *ctx, double *g);
	void *ctx;
} objective;

/* Continuation outside the box: f(clamp(u)) + Σ (excess)²; the gradient in
 * a clamped coordinate is that of the penalty alone. */
static double obj_eval(const objective *ob, const double *u, double *g)
{
	double uc[8], gc[8], pen = 0;
	for (size_t i = 0; i < ob->d; i++) {
		double v = u[i];
		if (!(v == v))	/* NaN: treat as far outside */
			v = 1e3;
		uc[i] = v > BOX ? BOX : v < -BOX ? -BOX : v;
		double ex = v - uc[i];
		pen += ex * ex;
	}
	double f = ob->eval(uc, ob->ctx, g ? gc : NULL);
	if (!isfinite(f))
		f = 1e10;	/* never expected; keeps GSL from aborting */
	if (g) {
		for (size_t i = 0; i < ob->d; i++) {
			double ex = u[i] - uc[i];
			g[i] = ex != 0 ? 2 * ex : (isfinite(gc[i]) ? gc[i] : 0);
		}
	}
	return f + pen;
}

static double gsl_f(const gsl_vector *v, void *ctx)
{
	const objective *ob = ctx;
	double u[8];
	for (size_t i = 0; i < ob->d; i++)
		u[i] = gsl_vector_get(v, i);
	return obj_eval(ob, u, NULL);
}

static void gsl_fdf(const gsl_vector *v, void *ctx, double *f, gsl_vector *gv)
{
	const objective *ob = ctx;
	double u[8], g[8];
	for (size_t i = 0; i < ob->d; i++)
		u[i] = gsl_vector_get(v, i);
	double fv = obj_eval(ob, u, g);
	if (f)
		*f = fv;
	for (size_t i = 0; i < ob->d; i++)
		gsl_vector_set(gv, i, g[i]);
}

static void gsl_df(const gsl_vector *v, void *ctx, gsl_vector *gv)
{
	gsl_fdf(v, ctx, NULL, gv);
}

static double norm_inf(const double *g, size_t d)
{
	double m = 0;
	for (size_t i = 0; i < d; i++)
		if (fabs(g[i]) > m)
			m = fabs(g[i]);
	return m;
}

/* Solves the d×d system H·x = b (d ≤ 8) by Gaussian elimination with
 * partial pivoting.  Returns −1 when H is (numerically) singular. */
static int solve(size_t d, double H[8][8], double *b, double *x)
{
	double A[8][9];
	for (size_t i = 0; i < d; i++) {
		for (size_t j = 0; j < d; j++)
			A[i][j] = H[i][j];
		A[i][d] = b[i];
	}
	for (size_t k = 0; k < d; k++) {
		size_t piv = k;
		for (size_t i = k + 1; i < d; i++)
			if (fabs(A[i][k]) > fabs(A[piv][k]))
				piv = i;
		if (!(fabs(A[piv][k]) > 1e-300))
			return -1;
		if (piv != k)
			for (size_t j = 0; j <= d; j++) {
				double t = A[k][j];
				A[k][j] = A[piv][j];
				A[piv][j] = t;
			}
		for (size_t i = k + 1; i < d; i++) {
			double m = A[i][k] / A[k][k];
			for (size_t j = k; j <= d; j++)
				A[i][j] -= m * A[k][j];
		}
	}
	for (size_t i = d; i-- > 0;) {
		double s = A[i][d];
		for (size_t j = i + 1; j < d; j++)
			s -= A[i][j] * x[j];
		x[i] = s / A[i][i];
		if (!isfinite(x[i]))
			return -1;
	}
	return 0;
}

/* Newton steps on ∇f = 0 with the Hessian from central differences of the
 * analytic gradient.  Near the optimum f itself changes by less than its
 * rounding error (the gamma-gamma likelihood has a long, flat ridge in
 * (q, γ)), which stalls the line searches of BFGS; the gradient is still
 * accurate to ~1e-13, so this finishes the job.  A step is kept only when
 * it lowers ‖∇f‖ without raising f beyond rounding. */
static void newton_polish(const objective *ob, double *u, double *f,
			  double *g, double *gnorm, int *iters)
{
	size_t d = ob->d;
	const double h = 1e-4;
	for (int it = 0; it < 10 && *gnorm > GRAD_TARGET; it++) {
		double H[8][8], up[8], um[8], gp[8], gm[8], step[8], rhs[8];
		for (size_t i = 0; i < d; i++) {
			memcpy(up, u, d * sizeof *u);
			memcpy(um, u, d * sizeof *u);
			up[i] += h;
			um[i] -= h;
			obj_eval(ob, up, gp);
			obj_eval(ob, um, gm);
			for (size_t j = 0; j < d; j++)
				H[j][i] = (gp[j] - gm[j]) / (2 * h);
		}
		for (size_t i = 0; i < d; i++) {
			for (size_t j = 0; j < i; j++)
				H[i][j] = H[j][i] = (H[i][j] + H[j][i]) / 2;
			rhs[i] = -g[i];
		}
		if (solve(d, H, rhs, step) != 0)
			return;
		double slope = 0, big = 0;
		for (size_t i = 0; i < d; i++) {
			slope += step[i] * g[i];
			big = fmax(big, fabs(step[i]));
		}
		if (!(slope < 0) || big > 1)	/* not a descent step, or far */
			return;
		int taken = 0;
		for (int half = 0; half < 2 && !taken; half++) {
			double un[8], gn[8];
			for (size_t i = 0; i < d; i++)
				un[i] = u[i] + step[i] / (half ? 2 : 1);
			double fn = obj_eval(ob, un, gn), nn = norm_inf(gn, d);
			if (nn < *gnorm && fn <= *f + 1e-13 * (1 + fabs(*f))) {
				memcpy(u, un, d * sizeof *u);
				memcpy(g, gn, d * sizeof *g);
				*f = fn;
				*gnorm = nn;
				taken = 1;
			}
		}
		++*iters;
		if (!taken)
			return;
	}
}

/* Minimises from u (overwritten with the best point): Nelder–Mead from the
 * rough start, BFGS from there (again from a finer simplex if BFGS stalls
 * far from a stationary point), then Newton polishing.  Returns 0, or
 * TIDE_ENOMEM.  *gnorm gets ‖∇f‖∞ at the result. */
static int minimise(const objective *ob, double *u, double *fbest,
		    double *gnorm, int *iters)
{
	size_t d = ob->d;
	gsl_vector *x = gsl_vector_alloc(d), *step = gsl_vector_alloc(d);
	gsl_multimin_fminimizer *nm =
		gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, d);
	gsl_multimin_fdfminimizer *bf = gsl_multimin_fdfminimizer_alloc(
		gsl_multimin_fdfminimizer_vector_bfgs2, d);
	if (!x || !step || !nm || !bf) {
		gsl_vector_free(x);
		gsl_vector_free(step);
		if (nm)
			gsl_multimin_fminimizer_free(nm);
		if (bf)
			gsl_multimin_fdfminimizer_free(bf);
		return TIDE_ENOMEM;
	}
	gsl_multimin_function fn = { .f = gsl_f, .n = d, .params = (void *)ob };
	gsl_multimin_function_fdf fdf = { .f = gsl_f, .df = gsl_df,
					  .fdf = gsl_fdf, .n = d,
					  .params = (void *)ob };
	double g[8], best = obj_eval(ob, u, g);
	int it = 0;
	*gnorm = norm_inf(g, d);
	static const double nm_step[2] = { 0.5, 0.05 };
	static const double nm_tol[2] = { 1e-3, 1e-6 };
	for (int round = 0; round < 2; round++) {
		/* Nelder–Mead: robust from a rough start. */
		for (size_t i = 0; i < d; i++) {
			gsl_vector_set(x, i, u[i]);
			gsl_vector_set(step, i, nm_step[round]);
		}
		gsl_multimin_fminimizer_set(nm, &fn, x, step);
		for (int k = 0; k < 4000; k++, it++) {
			if (gsl_multimin_fminimizer_iterate(nm) != GSL_SUCCESS)
				break;
			double size = gsl_multimin_fminimizer_size(nm);
			if (gsl_multimin_test_size(size, nm_tol[round]) == GSL_SUCCESS)
				break;
		}
		if (nm->fval < best) {
			best = nm->fval;
			for (size_t i = 0; i < d; i++)
				u[i] = gsl_vector_get(nm->x, i);
		}
		/* BFGS with the analytic gradient: fast final convergence. */
		for (size_t i = 0; i < d; i++)
			gsl_vector_set(x, i, u[i]);
		gsl_multimin_fdfminimizer_set(bf, &fdf, x, 0.05, 0.1);
		for (int k = 0; k < 1000; k++, it++) {
			if (gsl_multimin_fdfminimizer_iterate(bf) != GSL_SUCCESS)
				break;
			if (gsl_multimin_test_gradient(bf->gradient, GRAD_TARGET) ==
			    GSL_SUCCESS)
				break;
		}
		if (bf->f <= best) {
			best = bf->f;
			for (size_t i = 0; i < d; i++)
				u[i] = gsl_vector_get(bf->x, i);
		}
		best = obj_eval(ob, u, g);
		*gnorm = norm_inf(g, d);
		if (*gnorm <= 1e-4)
			break;
	}
	newton_polish(ob, u, &best, g, gnorm, &it);
	*fbest = best;
	*iters = it;
	gsl_vector_free(x);
	gsl_vector_free(step);
	gsl_multimin_fminimizer_free(nm);
	gsl_multimin_fdfminimizer_free(bf);
	return 0;
}

/* ------------------------------------------------------------------ */
/* BG/NBD fit. */

typedef struct bg_row {
	double tx, T, w;
	size_t xi;
} bg_row;

typedef struct bg_work {
	size_t nx, nr;
	double *xv, *xw;	/* distinct x values and their total weight */
	double *kx, *l4c;	/* per-x scratch: x-only LL part, log a/(b+x−1) */
	double *dkr, *dka, *dkb;	/* per-x scratch: its derivatives */
	bg_row *row;
	double wsum;
} bg_work;

/* Mean negative LL over the work set at e^u = (r, α, a, b). */
static double bg_eval(const double *u, void *ctx, double *g)
{
	bg_work *w = ctx;
	double r = exp(u[0]), al = exp(u[1]), a = exp(u[2]), b = exp(u[3]);
	double ll = 0, gr = 0, gal = 0, ga = 0, gb = 0;
	for (size_t k = 0; k < w->nx; k++) {
		double x = w->xv[k];
		w->kx[k] = lnpoch(r, x) + lnpoch(b, x) - lnpoch(a + b, x);
		w->l4c[k] = x > 0 ? log(a) - log(b + x - 1) : 0;
		ll += w->xw[k] * w->kx[k];
		if (g) {
			w->dkr[k] = psidiff(r, x);
			w->dka[k] = -psidiff(a + b, x);
			w->dkb[k] = psidiff(b, x) - psidiff(a + b, x);
			gr += w->xw[k] * w->dkr[k];
			ga += w->xw[k] * w->dka[k];
			gb += w->xw[k] * w->dkb[k];
		}
	}
	for (size_t i = 0; i < w->nr; i++) {
		const bg_row *q = &w->row[i];
		double x = w->xv[q->xi];
		double lT = log1p(q->T / al), laT = log(al + q->T);
		double l3 = -r * lT - x * laT;
		if (x > 0) {
			double lt = log1p(q->tx / al), lat = log(al + q->tx);
			double l4 = w->l4c[q->xi] - r * lt - x * lat;
			double m = lse(l3, l4);
			ll += q->w * m;
			if (g) {
				double p4 = exp(l4 - m), p3 = 1 - p4;
				if (l3 > l4)
					p3 = 1 / (1 + exp(l4 - l3));
				gr -= q->w * (p3 * lT + p4 * lt);
				gal += q->w * (p3 * (r * q->T / (al * (al + q->T)) -
						     x / (al + q->T)) +
					       p4 * (r * q->tx / (al * (al + q->tx)) -
						     x / (al + q->tx)));
				ga += q->w * p4 / a;
				gb -= q->w * p4 / (b + x - 1);
			}
		} else {
			ll += q->w * l3;
			if (g) {
				gr -= q->w * lT;
				gal += q->w * r * q->T / (al * (al + q->T));
			}
		}
	}
	if (g) {
		/* d/du = θ·d/dθ; minimise −LL/W. */
		g[0] = -gr * r / w->wsum;
		g[1] = -gal * al / w->wsum;
		g[2] = -ga * a / w->wsum;
		g[3] = -gb * b / w->wsum;
	}
	return -ll / w->wsum;
}

static int cmp_cust(const void *pa, const void *pb)
{
	const bgnbd_cust *x = pa, *y = pb;
	if (x->x != y->x)
		return x->x < y->x ? -1 : 1;
	if (x->t_cal != y->t_cal)
		return x->t_cal < y->t_cal ? -1 : 1;
	if (x->t_x != y->t_x)
		return x->t_x < y->t_x ? -1 : 1;
	return 0;
}

static void bg_work_free(bg_work *w)
{
	free(w->xv);
	free(w->xw);
	free(w->kx);
	free(w->l4c);
	free(w->dkr);
	free(w->dka);
	free(w->dkb);
	free(w->row);
}

/* Sorted copy, times divided by scale, identical rows merged. */
static int bg_work_build(bg_work *w, const bgnbd_cust *c, size_t n,
			 double scale)
{
	memset(w, 0, sizeof *w);
	bgnbd_cust *s = malloc(n * sizeof *s);
	if (!s)
		return TIDE_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		s[i] = c[i];
		s[i].t_x = c[i].x > 0 ? c[i].t_x / scale : 0;
		s[i].t_cal = c[i].t_cal / scale;
		s[i].zbar = 0;
	}
	qsort(s, n, sizeof *s, cmp_cust);
	size_t nx = 0, nr = 0;
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || s[i].x != s[i - 1].x)
			nx++;
		if (i == 0 || cmp_cust(&s[i], &s[i - 1]) != 0)
			nr++;
	}
	w->xv = calloc(nx, sizeof *w->xv);
	w->xw = calloc(nx, sizeof *w->xw);
	w->kx = calloc(nx, sizeof *w->kx);
	w->l4c = calloc(nx, sizeof *w->l4c);
	w->dkr = calloc(nx, sizeof *w->dkr);
	w->dka = calloc(nx, sizeof *w->dka);
	w->dkb = calloc(nx, sizeof *w->dkb);
	w->row = calloc(nr, sizeof *w->row);
	if (!w->xv || !w->xw || !w->kx || !w->l4c || !w->dkr || !w->dka ||
	    !w->dkb || !w->row) {
		free(s);
		bg_work_free(w);
		return TIDE_ENOMEM;
	}
	size_t k = 0, j = 0;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && s[i].x != s[i - 1].x)
			k++;
		if (i > 0 && cmp_cust(&s[i], &s[i - 1]) != 0)
			j++;
		w->xv[k] = s[i].x;
		w->xw[k] += 1;
		w->row[j].tx = s[i].t_x;
		w->row[j].T = s[i].t_cal;
		w->row[j].xi = k;
		w->row[j].w += 1;
	}
	w->nx = nx;
	w->nr = nr;
	w->wsum = (double)n;
	free(s);
	return 0;
}

static void bg_nan(bgnbd_params *out)
{
	out->r = out->alpha = out->a = out->b = out->ll = NAN;
}

/* Names the first parameter outside [1/edge, edge] (rescaled units). */
static int edge_name(const double *u, size_t d, const char *const *names,
		     double edge, char *buf, size_t len)
{
	for (size_t i = 0; i < d; i++) {
		if (u[i] > log(edge) || u[i] < -log(edge)) {
			snprintf(buf, len, "%s -> %s", names[i],
				 u[i] > 0 ? "infinity" : "0");
			return 1;
		}
	}
	return 0;
}

/* The verdict on a minimisation of fit's likelihood over n customers that
 * ended at u (log parameters, rescaled; `shown` the fitted values): an
 * error when it ended at or near the edge of the parameter space without
 * converging, or did not converge at all; 0 when the fit stands.  `what`
 * names the data that may be too few or too uniform. */
static int fit_verdict(const char *fit, size_t n, const char *what, const double *u,
		       const double *shown, size_t d, const char *const *names,
		       double gnorm, int iters, tide_err *e)
{
	char at[256];
	size_t len = 0;
	for (size_t i = 0; i < d && len < sizeof at; i++)
		len += (size_t)snprintf(at + len, sizeof at - len, "%s%s=%g", i ? " " : "",
					names[i], shown[i]);
	char edge[64];
	if (edge_name(u, d, names, EDGE, edge, sizeof edge))
		return tide_errf(e, TIDE_EINPUT,
				 "%s: the likelihood of these %zu customers is maximised at the "
				 "edge of the parameter space (%s; reached %s): too few or too "
				 "uniform %s to identify the model", fit, n, edge, at, what);
	bool converged = gnorm <= GRAD_ACCEPT;	/* false for NaN */
	if (!converged && edge_name(u, d, names, EDGE_NEAR, edge, sizeof edge))
		return tide_errf(e, TIDE_EINPUT,
				 "%s: the likelihood of these %zu customers keeps rising towards "
				 "the edge of the parameter space (%s; stopped at %s): too few or "
				 "too uniform %s to identify the model", fit, n, edge, at, what);
	if (!converged)
		return tide_errf(e, TIDE_EINPUT,
				 "%s: did not converge over %zu customers (gradient %.3g after "
				 "%d iterations at %s)", fit, n, gnorm, iters, at);
	return 0;
}

int bgnbd_fit(const bgnbd_cust *c, size_t n, bgnbd_params *out, tide_err *e)
{
	if (!out)
		return tide_errf(e, TIDE_EUSAGE, "bgnbd_fit: no output struct");
	bg_nan(out);
	if (n == 0 || !c)
		return tide_errf(e, TIDE_EINPUT,
				 "bgnbd_fit: no customers to fit (n = 0)");
	double sx = 0, sT = 0;
	for (size_t i = 0; i < n; i++) {
		if (!cust_ok(&c[i]) || c[i].x != floor(c[i].x))
			return tide_errf(e, TIDE_EINPUT,
					 "bgnbd_fit: customer %zu has invalid "
					 "history (x = %g, t_x = %g, t_cal = %g): "
					 "need a whole x >= 0 and "
					 "0 <= t_x <= t_cal", i, c[i].x,
					 c[i].t_x, c[i].t_cal);
		sx += c[i].x;
		sT += c[i].t_cal;
	}
	if (sx == 0)
		return tide_errf(e, TIDE_EINPUT,
				 "bgnbd_fit: none of the %zu customers has a "
				 "repeat purchase (all x = 0); the likelihood "
				 "has no maximum (it keeps rising as the "
				 "purchase rate r/alpha goes to 0)", n);
	if (sT <= 0)
		return tide_errf(e, TIDE_EINPUT,
				 "bgnbd_fit: all %zu customers have t_cal = 0",
				 n);
	double scale = sT / (double)n;

	bg_work w;
	int rc = bg_work_build(&w, c, n, scale);
	if (rc)
		return tide_errf(e, rc, "bgnbd_fit: out of memory (%zu customers)",
				 n);
	objective ob = { .d = 4, .eval = bg_eval, .ctx = &w };

	/* Starting point: the best of a small grid, with α set so that r/α is
	 * the pooled repeat rate Σx / ΣT (in rescaled units). */
	double rate = sx / (double)n;	/* ΣT' = n after rescaling */
	static const double r0[] = { 0.25, 1, 4 };
	static const double a0[] = { 0.5, 2 };
	static const double b0[] = { 1, 5 };
	double u[4] = { 0 }, fbest = INFINITY;
	for (size_t i = 0; i < 3; i++)
		for (size_t j = 0; j < 2; j++)
			for (size_t k = 0; k < 2; k++) {
				double v[4] = { log(r0[i]), log(r0[i] / rate),
						log(a0[j]), log(b0[k]) };
				double f = obj_eval(&ob, v, NULL);
				if (f < fbest) {
					fbest = f;
					memcpy(u, v, sizeof u);
				}
			}
	double gnorm;
	int iters;
	rc = minimise(&ob, u, &fbest, &gnorm, &iters);
	bg_work_free(&w);
	if (rc)
		return tide_errf(e, rc, "bgnbd_fit: out of memory");

	static const char *const names[] = { "r", "alpha", "a", "b" };
	double fitted[4] = { exp(u[0]), exp(u[1]) * scale, exp(u[2]), exp(u[3]) };
	if ((rc = fit_verdict("bgnbd_fit", n, "histories", u, fitted, 4, names, gnorm, iters, e)))
		return rc;
	bgnbd_params p = { fitted[0], fitted[1], fitted[2], fitted[3], 0 };
	p.ll = bgnbd_ll(&p, c, n);
	if (!isfinite(p.ll))
		return tide_errf(e, TIDE_EINPUT,
				 "bgnbd_fit: log-likelihood is not finite at "
				 "the fitted parameters");
	*out = p;
	return 0;
}

/* ------------------------------------------------------------------ */
/* P(alive) and conditional expectation. */

/* log of a/(b+x−1) · ((α+T)/(α+t_x))^(r+x), the odds of "dropped after the
 * last purchase" against "alive" (x > 0). */
static double dead_log_odds(const bgnbd_params *p, const bgnbd_cust *c)
{
	double s = p->r + c->x;
	return log(p->a) - log(p->b + c->x - 1) +
	       s * (log1p(c->t_cal / p->alpha) - log1p(c->t_x / p->alpha));
}

double bgnbd_p_alive(const bgnbd_params *p, const bgnbd_cust *c)
{
	if (!params_ok(p) || !c || !cust_ok(c))
		return NAN;
	if (c->x == 0)
		return 1;
	double l = dead_log_odds(p, c);
	return l > 0 ? exp(-l) / (1 + exp(-l)) : 1 / (1 + exp(l));
}

/* Expected purchases in (T, T+t] for a customer known to be alive at T:
 *   E = (a+b+x−1)/(a−1) · [1 − w^(r+x) 2F1(r+x, b+x; a+b+x−1; z)],
 * w = (α+T)/(α+T+t), z = 1 − w.  By Euler's transformation
 *   w^(r+x) 2F1(...) = w^(a−1) 2F1(a+b−1−r, a−1; c; z),  c = a+b+x−1,
 * so, with (a−1)_k/(a−1) = (a)_(k−1) and c/(c)_k = 1/(c+1)_(k−1),
 *   E = c·(1 − w^(a−1))/(a−1) − w^(a−1) Σ_(k≥1) T_k,
 *   T_1 = (c−r−x)·z,  T_(k+1) = T_k · (c−r−x+k)(a+k−1) / ((c+k)(k+1)) · z.
 * Returns 0 and *out, or −1 when the series is not usable here (too many
 * terms or too much cancellation): the caller then integrates instead. */
static int alive_series(double r, double alpha, double a, double b, double x,
			double T, double t, double *out)
{
	double u = t / (alpha + T);
	double z = u / (1 + u), L = -log1p(u);	/* L = log w */
	double c = a + b + x - 1, cp = c - r - x;
	double first = (a == 1) ? -L : -expm1((a - 1) * L) / (a - 1);
	first *= c;
	double wa = exp((a - 1) * L);
	double term = cp * z, sum = term, sumabs = fabs(term);
	double kmin = 2 + fmax(fmax(fabs(cp), fabs(a - 1)), c);
	int done = term == 0;
	for (int k = 1; k < 5000 && !done; k++) {
		double ratio = (cp + k) * (a + k - 1) / ((c + k) * (k + 1.0)) * z;
		term *= ratio;
		sum += term;
		sumabs += fabs(term);
		if (term == 0) {
			done = 1;
		} else if (k >= kmin) {
			double rho = fabs(ratio) > z ? fabs(ratio) : z;
			if (rho < 1) {
				double tail = fabs(term) * rho / (1 - rho);
				if (tail <= 1e-17 * (fabs(first) + wa * sumabs))
					done = 1;
			}
		}
	}
	if (!done)
		return -1;
	double v = first - wa * sum;
	double err = 8 * DBL_EPSILON * (fabs(first) + wa * sumabs);
	if (!(v > 0) || err > 1e-12 * v)
		return -1;
	*out = v;
	return 0;
}

/* The same quantity as an integral over p ~ Beta(a, b+x) (the posterior of
 * the dropout probability given alive), λ integrated out analytically:
 *   E = E_p[(1 − (1 + p·u)^−(r+x)) / p],  u = t/(α+T).
 * In s = logit p the Beta density is e^(a·s) / (1+e^s)^(a+b') / B(a, b'),
 * smooth and unimodal (mode at log(a/b'), curvature ab'/(a+b')), with
 * tails e^(a·s) and e^(−b'·s).  We map s = s0 + w·sinh(τ) so the tails
 * decay double-exponentially in τ, and use the trapezoidal rule in τ,
 * halving the step until two levels agree to 1e-13 (looser for huge a,
 * b': see tol).  w is the width at the
 * mode, but at most 1: with small a or b' the density has a kink of width
 * ~1 in s at the mode and g changes over ~1 in s near logit(1/((r+x)u)),
 * which a larger w would squeeze below the step.
 * This converges for every t, every shape (tiny a with its slowly decaying
 * tail, huge a and b' with a narrow peak) and never forms p^(a−1) or
 * 1/B(a, b') separately, so nothing underflows or overflows. */
typedef struct beta_integrand {
	double a, b1, s, u;	/* b1 = b + x, s = r + x */
	double lnb, s0, w;
} beta_integrand;

static double g_of_p(const beta_integrand *f, double p)
{
	double y = p * f->u, s = f->s;
	/* Taylor form for small p·u (p may then be subnormal, and
	 * expm1(·)/p would lose all its digits). */
	if (y * (s + 2) < 1e-6)
		return f->u * s * (1 - (s + 1) / 2 * y * (1 - (s + 2) / 3 * y));
	return -expm1(-s * log1p(y)) / p;
}

/* Integrand × ds/dτ at τ. */
static double beta_term(const beta_integrand *f, double tau)
{
	double s = f->s0 + f->w * sinh(tau);
	double lp = s < -40 ? s : -log1p(exp(-s));	/* log p */
	double lq = s > 40 ? -s : -log1p(exp(s));	/* log(1 − p) */
	double ld = f->a * lp + f->b1 * lq - f->lnb;
	if (ld < -745)
		return 0;
	return exp(ld) * f->w * cosh(tau) * g_of_p(f, exp(lp));
}

static double alive_quad(double r, double alpha, double a, double b, double x,
			 double T, double t)
{
	beta_integrand f = { a, b + x, r + x, t / (alpha + T), 0, 0, 0 };
	f.lnb = lnbeta(a, b + x);
	f.s0 = log(a) - log(b + x);
	f.w = fmin(1, sqrt(1 / a + 1 / (b + x)));
	/* Level 0 (step 1/2) also fixes the range: out to where the terms are
	 * negligible against the sum so far, at most |τ| = 40. */
	double h = 0.5, sum = beta_term(&f, 0);
	int klo = 0, khi = 0;
	for (int k = 1; k <= 80; k++) {
		double v = beta_term(&f, k * h);
		sum += v;
		khi = k;
		if (k * h >= 2 && v <= 1e-20 * sum)
			break;
	}
	for (int k = 1; k <= 80; k++) {
		double v = beta_term(&f, -k * h);
		sum += v;
		klo = k;
		if (k * h >= 2 && v <= 1e-20 * sum)
			break;
	}
	double lo = -klo * h, hi = khi * h, prev = sum * h;
	/* With huge shapes the log-density is a difference of terms of size
	 * ~(a+b'), whose rounding sets the attainable accuracy. */
	double tol = 1e-13 + 4 * DBL_EPSILON * (a + b + x);
	for (int level = 1; level <= 10; level++) {
		h /= 2;
		for (double tau = lo + h; tau < hi; tau += 2 * h)
			sum += beta_term(&f, tau);
		double cur = sum * h;
		if (level >= 2 && fabs(cur - prev) <= tol * fabs(cur))
			return cur;
		prev = cur;
	}
	return NAN;
}

/* Expected purchases in the next t weeks for an alive customer: the series
 * when it converges cleanly (nearly always), else the quadrature. */
static double alive_expected(const bgnbd_params *p, const bgnbd_cust *c,
			     double t)
{
	double v;
	if (alive_series(p->r, p->alpha, p->a, p->b, c->x, c->t_cal, t, &v) == 0)
		return v;
	return alive_quad(p->r, p->alpha, p->a, p->b, c->x, c->t_cal, t);
}

double bgnbd_expected(const bgnbd_params *p, const bgnbd_cust *c, double t)
{
	if (!params_ok(p) || !c || !cust_ok(c) || bad(t) || t < 0)
		return NAN;
	if (t == 0)
		return 0;
	return bgnbd_p_alive(p, c) * alive_expected(p, c, t);
}

/* ------------------------------------------------------------------ */
/* Gamma-gamma. */

/* A customer the gamma-gamma likelihood uses: x > 0 and a positive finite
 * zbar (a zero mean spend has no density under the gamma model). */
static int gg_usable(const bgnbd_cust *c)
{
	return isfinite(c->x) && c->x > 0 && isfinite(c->zbar) && c->zbar > 0;
}

/* ln f(zbar | p, q, γ; x), the density of the mean of x spends (note 025)
 *   = −ln B(px, q) + q ln γ + (px−1) ln zbar + px ln x − (px+q) ln(γ + x zbar)
 *   = −ln B(px, q) − q log1p(x zbar/γ) − px log1p(γ/(x zbar)) − ln zbar. */
static double gg_ll_row(double p, double q, double g, double x, double z,
			double lb)
{
	double xz = x * z;
	return -lb - q * log1p(xz / g) - p * x * log1p(g / xz) - log(z);
}

double gg_ll(const gg_params *p, const bgnbd_cust *c, size_t n)
{
	if (!gg_params_ok(p) || (n > 0 && !c))
		return NAN;
	double sum = 0;
	for (size_t i = 0; i < n; i++) {
		if (!gg_usable(&c[i]))
			continue;
		double x = c[i].x;
		sum += gg_ll_row(p->p, p->q, p->gamma, x, c[i].zbar,
				 lnbeta(p->p * x, p->q));
	}
	return sum;
}

typedef struct gg_row {
	double xz, lz;	/* x·zbar, log zbar (rescaled) */
	size_t xi;
} gg_row;

typedef struct gg_work {
	size_t nx, nr;
	double *xv, *xw, *lb, *dpp, *dpq;
	gg_row *row;
	double wsum;
} gg_work;

static double gg_eval(const double *u, void *ctx, double *gr)
{
	gg_work *w = ctx;
	double p = exp(u[0]), q = exp(u[1]), g = exp(u[2]);
	double ll = 0, gp = 0, gq = 0, gg = 0;
	double psq = gr ? gsl_sf_psi(q) : 0;
	for (size_t k = 0; k < w->nx; k++) {
		double x = w->xv[k];
		w->lb[k] = lnbeta(p * x, q);
		ll -= w->xw[k] * w->lb[k];
		if (gr) {
			double ps = gsl_sf_psi(p * x + q);
			w->dpp[k] = x * (ps - gsl_sf_psi(p * x));
			w->dpq[k] = ps - psq;
			gp += w->xw[k] * w->dpp[k];
			gq += w->xw[k] * w->dpq[k];
		}
	}
	for (size_t i = 0; i < w->nr; i++) {
		const gg_row *o = &w->row[i];
		double x = w->xv[o->xi];
		double l1 = log1p(o->xz / g), l2 = log1p(g / o->xz);
		ll -= q * l1 + p * x * l2 + o->lz;
		if (gr) {
			gp -= x * l2;
			gq -= l1;
			gg += (q * o->xz / g - p * x) / (g + o->xz);
		}
	}
	if (gr) {
		gr[0] = -gp * p / w->wsum;
		gr[1] = -gq * q / w->wsum;
		gr[2] = -gg * g / w->wsum;
	}
	return -ll / w->wsum;
}

static int cmp_double(const void *pa, const void *pb)
{
	double x = *(const double *)pa, y = *(const double *)pb;
	return x < y ? -1 : x > y;
}

static void gg_work_free(gg_work *w)
{
	free(w->xv);
	free(w->xw);
	free(w->lb);
	free(w->dpp);
	free(w->dpq);
	free(w->row);
}

static void gg_nan(gg_params *out)
{
	out->p = out->q = out->gamma = out->ll = NAN;
}

int gg_fit(const bgnbd_cust *c, size_t n, gg_params *out, tide_err *e)
{
	if (!out)
		return tide_errf(e, TIDE_EUSAGE, "gg_fit: no output struct");
	gg_nan(out);
	if (n == 0 || !c)
		return tide_errf(e, TIDE_EINPUT,
				 "gg_fit: no customers to fit (n = 0)");
	size_t m = 0;
	double sz = 0;
	for (size_t i = 0; i < n; i++) {
		if (bad(c[i].x) || c[i].x < 0 || c[i].x != floor(c[i].x) ||
		    (c[i].x > 0 && (bad(c[i].zbar) || c[i].zbar < 0)))
			return tide_errf(e, TIDE_EINPUT,
					 "gg_fit: customer %zu has invalid "
					 "history (x = %g, zbar = %g): need a "
					 "whole x >= 0 and zbar >= 0", i,
					 c[i].x, c[i].zbar);
		if (gg_usable(&c[i])) {
			m++;
			sz += c[i].zbar;
		}
	}
	if (m == 0)
		return tide_errf(e, TIDE_EINPUT,
				 "gg_fit: none of the %zu customers has a "
				 "repeat purchase with a positive mean value "
				 "(x > 0, zbar > 0); nothing to fit", n);
	double scale = sz / (double)m;

	gg_work w;
	memset(&w, 0, sizeof w);
	double *xs = malloc(m * sizeof *xs);
	w.row = calloc(m, sizeof *w.row);
	if (!xs || !w.row) {
		free(xs);
		gg_work_free(&w);
		return tide_errf(e, TIDE_ENOMEM, "gg_fit: out of memory");
	}
	size_t j = 0;
	for (size_t i = 0; i < n; i++)
		if (gg_usable(&c[i]))
			xs[j++] = c[i].x;
	qsort(xs, m, sizeof *xs, cmp_double);
	size_t nx = 0;
	for (size_t i = 0; i < m; i++)
		if (i == 0 || xs[i] != xs[i - 1])
			xs[nx++] = xs[i];
	w.nx = nx;
	w.xv = xs;
	w.xw = calloc(nx, sizeof *w.xw);
	w.lb = calloc(nx, sizeof *w.lb);
	w.dpp = calloc(nx, sizeof *w.dpp);
	w.dpq = calloc(nx, sizeof *w.dpq);
	if (!w.xw || !w.lb || !w.dpp || !w.dpq) {
		gg_work_free(&w);
		return tide_errf(e, TIDE_ENOMEM, "gg_fit: out of memory");
	}
	j = 0;
	for (size_t i = 0; i < n; i++) {
		if (!gg_usable(&c[i]))
			continue;
		double *hit = bsearch(&c[i].x, w.xv, nx, sizeof *w.xv,
				      cmp_double);
		size_t k = (size_t)(hit - w.xv);
		double z = c[i].zbar / scale;
		w.row[j].xz = c[i].x * z;
		w.row[j].lz = log(z);
		w.row[j].xi = k;
		w.xw[k] += 1;
		j++;
	}
	w.nr = m;
	w.wsum = (double)m;
	objective ob = { .d = 3, .eval = gg_eval, .ctx = &w };

	/* Start: best of a grid with the population mean pγ/(q−1) = 1 (the
	 * rescaled mean spend). */
	static const double p0[] = { 1, 4, 16 };
	static const double q0[] = { 2, 4, 16 };
	double u[3] = { 0 }, fbest = INFINITY;
	for (size_t a = 0; a < 3; a++)
		for (size_t b = 0; b < 3; b++) {
			double v[3] = { log(p0[a]), log(q0[b]),
					log((q0[b] - 1) / p0[a]) };
			double f = obj_eval(&ob, v, NULL);
			if (f < fbest) {
				fbest = f;
				memcpy(u, v, sizeof u);
			}
		}
	double gnorm;
	int iters;
	int rc = minimise(&ob, u, &fbest, &gnorm, &iters);
	gg_work_free(&w);
	if (rc)
		return tide_errf(e, rc, "gg_fit: out of memory");
	static const char *const names[] = { "p", "q", "gamma" };
	double fitted[3] = { exp(u[0]), exp(u[1]), exp(u[2]) * scale };
	if ((rc = fit_verdict("gg_fit", m, "spends", u, fitted, 3, names, gnorm, iters, e)))
		return rc;
	gg_params gp = { fitted[0], fitted[1], fitted[2], 0 };
	gp.ll = gg_ll(&gp, c, n);
	if (!isfinite(gp.ll))
		return tide_errf(e, TIDE_EINPUT,
				 "gg_fit: log-likelihood is not finite at the "
				 "fitted parameters");
	*out = gp;
	return 0;
}

/* E(M | p, q, γ, x, zbar) = (γ + x·zbar)·p / (p·x + q − 1); for x = 0 the
 * population mean p·γ/(q − 1).  The mean does not exist (+∞) when the
 * denominator is ≤ 0, i.e. q ≤ 1 − p·x. */
double gg_expected_spend(const gg_params *p, const bgnbd_cust *c)
{
	if (!gg_params_ok(p) || !c || bad(c->x) || c->x < 0)
		return NAN;
	double x = c->x, z = x > 0 ? c->zbar : 0;
	if (bad(z) || z < 0)
		return NAN;
	double den = p->p * x + p->q - 1;
	if (den <= 0)
		return INFINITY;
	return (p->gamma + x * z) * p->p / den;
}

/* ------------------------------------------------------------------ */
/* CLV. */

double bgnbd_clv(const bgnbd_params *bp, const gg_params *gp,
		 const bgnbd_cust *c, int months, double rate)
{
	if (!params_ok(bp) || !gg_params_ok(gp) || !c || !cust_ok(c) ||
	    bad(rate) || rate <= -1)
		return NAN;
	if (months <= 0)
		return 0;
	double spend = gg_expected_spend(gp, c);
	if (bad(spend))
		return spend;
	double pa = bgnbd_p_alive(bp, c);
	double prev = 0, sum = 0, disc = 1;
	for (int k = 1; k <= months; k++) {
		double cur = alive_expected(bp, c, 30.0 * k / 7.0);
		disc /= 1 + rate;
		sum += (cur - prev) * disc;
		prev = cur;
	}
	return pa * sum * spend;
}
