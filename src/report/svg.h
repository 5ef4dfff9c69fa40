/* svg.h - charts as inline SVG, written by isobench (no JavaScript, no
 * library, nothing fetched): a horizontal bar per environment with its
 * interval as an error bar, the value axis labelled with the unit and
 * which direction is better. Text is XML-escaped. */
#ifndef ISOBENCH_SVG_H
#define ISOBENCH_SVG_H

#include <stdio.h>

struct svg_bar {
    const char *label; /* the environment */
    double value;      /* the median */
    double lo, hi;     /* its interval; lo > hi: none */
    int na;            /* no value: "n/a" or "failed" is written instead */
    const char *note;  /* shown after the label ("emulated", "n/a: reason"), or NULL */
};

/* Writes one chart: title, unit and better ("higher"/"lower") on the axis,
 * n bars in the order given, each in the colour of its index (the same
 * environment keeps its colour across a report). */
void svg_bars(FILE *f, const char *title, const char *unit, const char *better,
              const struct svg_bar *bars, int n);

/* One line of a line chart: an environment's points (x ascending for a
 * sweep; any order for a curve such as throughput against latency), each
 * with its interval (lo > hi: none), in the colour of environment
 * `colour`. */
struct svg_series {
    const char *label, *note; /* note: "emulated", or NULL */
    int colour;
    int n;
    const double *x, *y, *lo, *hi; /* lo > hi: no interval on that y */
    const double *xlo, *xhi;       /* x's interval (a horizontal bar), or NULL */
};

/* Writes one line chart: both axes from 0 to a nice maximum (x on a log2
 * scale when logx: client and thread counts double), the units on the
 * axes, "better" on the y axis, a polyline with a dot and an error bar
 * per point (vertical for y's interval, horizontal for x's when the
 * series has one), and a legend. A chart without a point says so. */
void svg_lines(FILE *f, const char *title, const char *xunit, const char *yunit, const char *better,
               const struct svg_series *s, int ns, int logx);

/* The colour of environment i, as "#rrggbb". */
const char *svg_colour(int i);

/* s with &, <, >, " and ' escaped for XML and HTML. */
void svg_text(FILE *f, const char *s);

/* A "nice" axis maximum at or above v (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k). */
double svg_nice_max(double v);

#endif
