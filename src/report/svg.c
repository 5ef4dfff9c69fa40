#include "report/svg.h"

#include <math.h>
#include <string.h>

/* Colour-blind-safe (Okabe-Ito), then greys. */
static const char *const palette[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9",
                                      "#D55E00", "#F0E442", "#000000", "#999999", "#666666"};

const char *svg_colour(int i)
{
    return palette[(unsigned)i % (sizeof(palette) / sizeof(palette[0]))];
}

void svg_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

double svg_nice_max(double v)
{
    if (!(v > 0) || !isfinite(v)) return 1;
    double p = pow(10, floor(log10(v)));
    static const double steps[] = {1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10};
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
        if (steps[i] * p >= v * (1 - 1e-12)) return steps[i] * p;
    return 10 * p;
}

/* An environment's name and, in brackets, its note ("emulated"). */
static void svg_label(FILE *f, const char *label, const char *note)
{
    svg_text(f, label);
    if (note) {
        fputs(" (", f);
        svg_text(f, note);
        fputc(')', f);
    }
}

/* The <svg> element's opening, its title and the title drawn at the top. */
static void svg_open(FILE *f, int w, int h, const char *title)
{
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\"><title>",
            w, h, w, h);
    svg_text(f, title);
    fputs("</title>\n<text x=\"4\" y=\"18\" font-weight=\"bold\">", f);
    svg_text(f, title);
    fputs("</text>\n", f);
}

/* Line charts: the plot with margins for the axes, the legend below. */
enum { LX = 70, LW = 520, LTOP = 30, LH = 260, LLEG = 18 };

static double line_x(double x, double xmin, double xmax, int logx)
{
    if (logx) {
        double a = log2(xmin), b = log2(xmax);
        return LX + (b > a ? (log2(x) - a) / (b - a) : 0.5) * LW;
    }
    return LX + (xmax > 0 ? x / xmax : 0) * LW;
}

void svg_lines(FILE *f, const char *title, const char *xunit, const char *yunit, const char *better,
               const struct svg_series *s, int ns, int logx)
{
    double xmin = INFINITY, xmax = 0, ymax = 0;
    int points = 0;
    for (int i = 0; i < ns; i++)
        for (int k = 0; k < s[i].n; k++) {
            double y = s[i].lo[k] <= s[i].hi[k] && s[i].hi[k] > s[i].y[k] ? s[i].hi[k] : s[i].y[k];
            if (!isfinite(s[i].x[k]) || !isfinite(y) || (logx && s[i].x[k] <= 0)) continue;
            points++;
            double x = s[i].x[k], xl = x; /* the reach of x's interval too */
            if (s[i].xlo && s[i].xlo[k] <= s[i].xhi[k] && isfinite(s[i].xhi[k])) {
                if (s[i].xhi[k] > x) x = s[i].xhi[k];
                if (s[i].xlo[k] < xl && (!logx || s[i].xlo[k] > 0)) xl = s[i].xlo[k];
            }
            if (xl < xmin) xmin = xl;
            if (x > xmax) xmax = x;
            if (y > ymax) ymax = y;
        }
    if (!logx) xmax = svg_nice_max(xmax);
    double ymx = svg_nice_max(ymax);
    svg_open(f, LX + LW + 30, LTOP + LH + 44 + LLEG * ns, title);
    if (!points) {
        fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#900\">no value measured</text></svg>\n", LX,
                LTOP + LH / 2);
        return;
    }
    for (int t = 0; t <= 4; t++) { /* y grid */
        double y = LTOP + LH - LH * t / 4.0;
        fprintf(f,
                "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
                LX, y, LX + LW, y, LX - 4, y + 4, ymx * t / 4.0);
    }
    if (logx) { /* a tick per power of two in range */
        for (double x = exp2(floor(log2(xmin))); x <= xmax * 1.0001; x *= 2) {
            if (x < xmin * 0.9999) continue;
            double px = line_x(x, xmin, xmax, 1);
            fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%g</text>\n", px,
                    LTOP + LH + 14, x);
        }
    } else {
        for (int t = 0; t <= 4; t++)
            fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%g</text>\n",
                    LX + LW * t / 4.0, LTOP + LH + 14, xmax * t / 4.0);
    }
    fprintf(f,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000\"/>"
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000\"/>\n",
            LX, LTOP, LX, LTOP + LH, LX, LTOP + LH, LX + LW, LTOP + LH);
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", LX + LW / 2, LTOP + LH + 30);
    svg_text(f, xunit);
    fprintf(f,
            "%s</text>\n<text x=\"12\" y=\"%d\" transform=\"rotate(-90 12 %d)\" "
            "text-anchor=\"middle\">",
            logx ? " (log scale)" : "", LTOP + LH / 2, LTOP + LH / 2);
    svg_text(f, yunit);
    fprintf(f, " (%s is better)</text>\n", better);
    for (int i = 0; i < ns; i++) {
        const struct svg_series *sr = &s[i];
        const char *c = svg_colour(sr->colour);
        fprintf(f, "<g class=\"series\"><polyline fill=\"none\" stroke=\"%s\" points=\"", c);
        for (int k = 0; k < sr->n; k++)
            if (isfinite(sr->x[k]) && isfinite(sr->y[k]) && (!logx || sr->x[k] > 0))
                fprintf(f, "%.1f,%.1f ", line_x(sr->x[k], xmin, xmax, logx),
                        LTOP + LH - sr->y[k] / ymx * LH);
        fputs("\"/>\n", f);
        for (int k = 0; k < sr->n; k++) {
            if (!isfinite(sr->x[k]) || !isfinite(sr->y[k]) || (logx && sr->x[k] <= 0)) continue;
            double px = line_x(sr->x[k], xmin, xmax, logx), py = LTOP + LH - sr->y[k] / ymx * LH;
            fprintf(f,
                    "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%g, %g</title>"
                    "</circle>\n",
                    px, py, c, sr->x[k], sr->y[k]);
            if (sr->lo[k] <= sr->hi[k]) /* the interval */
                fprintf(f,
                        "<line class=\"ci\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                        "stroke=\"%s\"/>\n",
                        px, LTOP + LH - sr->lo[k] / ymx * LH, px, LTOP + LH - sr->hi[k] / ymx * LH,
                        c);
            if (sr->xlo && sr->xlo[k] <= sr->xhi[k] && (!logx || sr->xlo[k] > 0)) /* x's */
                fprintf(f,
                        "<line class=\"ci\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                        "stroke=\"%s\"/>\n",
                        line_x(sr->xlo[k], xmin, xmax, logx), py,
                        line_x(sr->xhi[k], xmin, xmax, logx), py, c);
        }
        int ly = LTOP + LH + 44 + LLEG * i;
        fprintf(f,
                "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"4\" fill=\"%s\"/>"
                "<text x=\"%d\" y=\"%d\">",
                LX, ly - 6, c, LX + 20, ly);
        svg_label(f, sr->label, sr->note);
        fputs("</text></g>\n", f);
    }
    fputs("</svg>\n", f);
}

/* Geometry: a label column, the plot, a row per bar. */
enum { LABEL_W = 260, PLOT_W = 420, ROW_H = 26, TOP = 30, AXIS_H = 40 };

void svg_bars(FILE *f, const char *title, const char *unit, const char *better,
              const struct svg_bar *bars, int n)
{
    double top = 0;
    for (int i = 0; i < n; i++) {
        if (bars[i].na) continue;
        double v =
            bars[i].lo <= bars[i].hi && bars[i].hi > bars[i].value ? bars[i].hi : bars[i].value;
        if (v > top) top = v;
    }
    double max = svg_nice_max(top);
    svg_open(f, LABEL_W + PLOT_W + 40, TOP + n * ROW_H + AXIS_H, title);
    for (int t = 0; t <= 4; t++) { /* grid and tick labels */
        double x = LABEL_W + PLOT_W * t / 4.0;
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>"
                "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%g</text>\n",
                x, TOP, x, TOP + n * ROW_H, x, TOP + n * ROW_H + 14, max * t / 4.0);
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", LABEL_W + PLOT_W / 2,
            TOP + n * ROW_H + 32);
    svg_text(f, unit);
    fprintf(f, " (%s is better)</text>\n", better);
    for (int i = 0; i < n; i++) {
        const struct svg_bar *b = &bars[i];
        int y = TOP + i * ROW_H;
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", LABEL_W - 6, y + 17);
        svg_label(f, b->label, b->note);
        fputs("</text>\n", f);
        if (b->na) {
            fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#900\">n/a</text>\n", LABEL_W + 4, y + 17);
            continue;
        }
        double bw = b->value / max * PLOT_W;
        fprintf(f,
                "<rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
                "fill=\"%s\"><title>%g</title>"
                "</rect>\n",
                LABEL_W, y + 5, bw < 0 ? 0 : bw, ROW_H - 10, svg_colour(i), b->value);
        if (b->lo <= b->hi) { /* the interval as an error bar */
            double x1 = LABEL_W + b->lo / max * PLOT_W, x2 = LABEL_W + b->hi / max * PLOT_W;
            fprintf(
                f,
                "<line class=\"ci\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#000\"/>"
                "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#000\"/>"
                "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#000\"/>\n",
                x1, y + 13, x2, y + 13, x1, y + 8, x1, y + 18, x2, y + 8, x2, y + 18);
        }
    }
    fputs("</svg>\n", f);
}
