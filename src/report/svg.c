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
    int h = TOP + n * ROW_H + AXIS_H, w = LABEL_W + PLOT_W + 40;
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\"><title>",
            w, h, w, h);
    svg_text(f, title);
    fputs("</title>\n", f);
    fprintf(f, "<text x=\"4\" y=\"18\" font-weight=\"bold\">");
    svg_text(f, title);
    fputs("</text>\n", f);
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
        svg_text(f, b->label);
        if (b->note) {
            fputs(" (", f);
            svg_text(f, b->note);
            fputc(')', f);
        }
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
