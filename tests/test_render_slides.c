/*
 * test_render_slides.c - the slides past the first four: CO2 avoided,
 * building ranking, EV charging, weather, message, image and QR code.
 *
 * Each is drawn at 1920x1080 and 1080x1920 from a hand-written signage
 * answer (tests/data/render/signage.json) and from none; a slide with
 * data draws panels full of ink and no no-data mark, a slide without
 * draws the mark and never an empty body.  The message slide is tried
 * with good and broken markup, the image slide with a PNG and a JPEG
 * written here and with broken files, and the QR slide's pixels are
 * checked for crisp modules and the quiet zone (it_signage.py decodes
 * the code with an independent reader).  Every slide and both notices
 * are drawn in English, Japanese and both: the texts handed to Pango
 * are searched for Japanese code points by their UTF-8 bytes, and one
 * English heading's pixels are compared with the same words set by
 * Pango alone.
 */
#include <stdio.h>
/* jpeglib.h needs FILE and size_t declared before it. */
#include <jpeglib.h>
#include <math.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "render/render_alert.h"
#include "render/render_internal.h"

#define T_1400 (1656306000)	/* 2022-06-27 14:00 JST */

static const int sizes[][2] = { { 1920, 1080 }, { 1080, 1920 } };

static const enum render_slide data_slides[] = {
	RENDER_CO2, RENDER_RANKING, RENDER_EV, RENDER_WEATHER,
};

struct image {
	cairo_surface_t *s;
	int w, h;
};

static uint32_t px_at(const struct image *im, int x, int y)
{
	int stride = cairo_image_surface_get_stride(im->s);
	const unsigned char *row = cairo_image_surface_get_data(im->s) +
				   (size_t)y * (size_t)stride;

	return ((const uint32_t *)row)[x] & 0xffffff;
}

/* Pixels of r that are neither the background nor a panel's fill. */
static long count_ink(const struct image *im, struct render_rect r)
{
	uint32_t bg = RENDER_RGB_BG, panel = RENDER_RGB_PANEL;
	long n = 0;

	for (int y = (int)r.y; y < (int)(r.y + r.h) && y < im->h; y++)
		for (int x = (int)r.x; x < (int)(r.x + r.w) && x < im->w;
		     x++) {
			uint32_t p = px_at(im, x, y);

			n += p != bg && p != panel;
		}
	return n;
}

static struct image draw(const struct render_data *d,
			 enum render_slide slide, int w, int h,
			 const char *tag, struct render_stats *st)
{
	struct image im = { cairo_image_surface_create(CAIRO_FORMAT_RGB24, w,
						       h), w, h };
	cairo_t *cr = cairo_create(im.s);
	char path[256];

	CHECK_INT(render_slide_stats(cr, w, h, slide, d, st), 0);
	CHECK_INT(cairo_status(cr), CAIRO_STATUS_SUCCESS);
	cairo_destroy(cr);
	cairo_surface_flush(im.s);
	snprintf(path, sizeof path, "slides_%s_%dx%d%s%s.png",
		 render_slide_name(slide), w, h, tag ? "_" : "",
		 tag ? tag : "");
	CHECK_INT(cairo_surface_write_to_png(im.s, path),
		  CAIRO_STATUS_SUCCESS);
	return im;
}

static struct render_rect body_of(const struct image *im,
				  const struct render_stats *st)
{
	return (struct render_rect){ 0, st->header.h, im->w,
				     im->h - st->header.h };
}

static json_t *load_signage(void)
{
	const char *top = getenv("AKARI_SOURCE_DIR");
	char path[1024];
	json_error_t err;
	json_t *j;

	snprintf(path, sizeof path, "%s/tests/data/render/signage.json",
		 top ? top : "..");
	j = json_load_file(path, 0, &err);
	CHECK_AT(j != NULL, "cannot load %s: %s", path, err.text);
	return j;
}

/* Every data slide, with data and without. */
static void test_data_slides(json_t *signage)
{
	struct render_data d = { .signage = signage, .now = T_1400 };
	struct render_data none = { .now = T_1400 };

	for (size_t k = 0; k < G_N_ELEMENTS(data_slides); k++) {
		enum render_slide s = data_slides[k];

		for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
			int w = sizes[i][0], h = sizes[i][1];
			struct render_stats st;
			struct image im = draw(&d, s, w, h, NULL, &st);
			struct render_rect body = body_of(&im, &st);
			long area = (long)body.w * (long)body.h;

			CHECK_AT(st.nodata_panels == 0, "%s %dx%d: %d no-data "
				 "marks with data", render_slide_name(s), w, h,
				 st.nodata_panels);
			CHECK_INT(st.unknown_glyphs, 0);
			CHECK_AT(count_ink(&im, body) > area / 50,
				 "%s %dx%d: ink %ld of %ld",
				 render_slide_name(s), w, h,
				 count_ink(&im, body), area);
			if (s == RENDER_RANKING)
				CHECK_INT(st.ranking_rows, 3);
			cairo_surface_destroy(im.s);

			im = draw(&none, s, w, h, "nodata", &st);
			CHECK_AT(st.nodata_panels >= 1, "%s %dx%d: no mark "
				 "without data", render_slide_name(s), w, h);
			CHECK(count_ink(&im, body_of(&im, &st)) > 1000);
			cairo_surface_destroy(im.s);
		}
	}
}

/* One missing figure marks its own tile, not the slide. */
static void test_partial(json_t *signage)
{
	json_t *copy = json_deep_copy(signage);
	json_t *latest = json_object_get(json_object_get(copy, "weather"),
					 "latest");
	struct render_data d = { .signage = copy, .now = T_1400 };
	struct render_stats st;
	struct image im;

	json_object_set_new(latest, "humidity", json_null());
	im = draw(&d, RENDER_WEATHER, 1920, 1080, "nohumidity", &st);
	CHECK_INT(st.nodata_panels, 1);
	cairo_surface_destroy(im.s);

	/* An empty ranking is "no data", not an empty panel. */
	json_array_clear(json_object_get(json_object_get(copy, "ranking"),
					 "sites"));
	im = draw(&d, RENDER_RANKING, 1080, 1920, "empty", &st);
	CHECK_INT(st.nodata_panels, 1);
	CHECK_INT(st.ranking_rows, 0);
	cairo_surface_destroy(im.s);
	json_decref(copy);
}

static void test_message(void)
{
	struct render_params p = {
		.message = "<b>節電</b>にご協力ください\n"
			   "<span foreground=\"#F2C94C\">14:00-17:00</span>",
	};
	struct render_data d = { .params = &p, .now = T_1400 };
	struct render_stats st;
	struct image im;
	char err[256] = "";

	for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
		im = draw(&d, RENDER_MESSAGE, sizes[i][0], sizes[i][1], NULL,
			  &st);
		CHECK(!st.markup_plain);
		CHECK_INT(st.nodata_panels, 0);
		CHECK_INT(st.unknown_glyphs, 0);
		CHECK(count_ink(&im, body_of(&im, &st)) > 5000);
		cairo_surface_destroy(im.s);
	}
	CHECK_INT(render_markup_check(p.message, err, sizeof err), 0);

	/* Broken markup is drawn as the text it is, and said so. */
	p.message = "<b>節電にご協力ください";
	CHECK_INT(render_markup_check(p.message, err, sizeof err), -1);
	CHECK(err[0] != '\0');
	for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
		im = draw(&d, RENDER_MESSAGE, sizes[i][0], sizes[i][1],
			  "broken", &st);
		CHECK(st.markup_plain);
		CHECK_INT(st.nodata_panels, 0);
		CHECK(count_ink(&im, body_of(&im, &st)) > 5000);
		cairo_surface_destroy(im.s);
	}

	/* A text far too long for the panel still draws, cut. */
	{
		GString *g = g_string_new("");

		for (int i = 0; i < 3000; i++)
			g_string_append(g, "お知らせ ");
		p.message = g->str;
		im = draw(&d, RENDER_MESSAGE, 1920, 1080, "long", &st);
		CHECK_INT(st.nodata_panels, 0);
		cairo_surface_destroy(im.s);
		g_string_free(g, TRUE);
	}

	/* No text at all: the no-data mark. */
	p.message = "";
	im = draw(&d, RENDER_MESSAGE, 1920, 1080, "empty", &st);
	CHECK_INT(st.nodata_panels, 1);
	cairo_surface_destroy(im.s);
	CHECK(!render_slide_has_params(RENDER_MESSAGE, &p));
	CHECK(render_slide_has_params(RENDER_CO2, NULL));
}

/* A w x h picture of one colour as a PNG file. */
static void write_png(const char *path, int w, int h, double r, double g,
		      double b)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w,
							h);
	cairo_t *cr = cairo_create(s);

	cairo_set_source_rgb(cr, r, g, b);
	cairo_paint(cr);
	cairo_destroy(cr);
	CHECK_INT(cairo_surface_write_to_png(s, path), CAIRO_STATUS_SUCCESS);
	cairo_surface_destroy(s);
}

/* The same as a JPEG, written with libjpeg here. */
static void write_jpeg(const char *path, int w, int h, unsigned char r,
		       unsigned char g, unsigned char b)
{
	struct jpeg_compress_struct ci;
	struct jpeg_error_mgr jerr;
	unsigned char *row = malloc((size_t)w * 3);
	FILE *fp = fopen(path, "wb");

	CHECK(fp && row);
	for (int x = 0; x < w; x++) {
		row[3 * x] = r;
		row[3 * x + 1] = g;
		row[3 * x + 2] = b;
	}
	ci.err = jpeg_std_error(&jerr);
	jpeg_create_compress(&ci);
	jpeg_stdio_dest(&ci, fp);
	ci.image_width = (JDIMENSION)w;
	ci.image_height = (JDIMENSION)h;
	ci.input_components = 3;
	ci.in_color_space = JCS_RGB;
	jpeg_set_defaults(&ci);
	jpeg_set_quality(&ci, 95, TRUE);
	jpeg_start_compress(&ci, TRUE);
	while (ci.next_scanline < ci.image_height)
		jpeg_write_scanlines(&ci, &row, 1);
	jpeg_finish_compress(&ci);
	jpeg_destroy_compress(&ci);
	fclose(fp);
	free(row);
}

static void write_bytes(const char *path, const void *data, size_t n)
{
	FILE *fp = fopen(path, "wb");

	CHECK(fp != NULL);
	CHECK_INT(fwrite(data, 1, n, fp), n);
	fclose(fp);
}

/* The colour in the middle of the body, as 0xRRGGBB. */
static uint32_t centre(const struct image *im, const struct render_stats *st)
{
	struct render_rect b = body_of(im, st);

	return px_at(im, (int)(b.x + b.w / 2), (int)(b.y + b.h / 2));
}

static bool near_rgb(uint32_t got, uint32_t want, int tol)
{
	for (int sh = 0; sh <= 16; sh += 8) {
		int a = (int)((got >> sh) & 0xff);
		int b = (int)((want >> sh) & 0xff);

		if (abs(a - b) > tol)
			return false;
	}
	return true;
}

static void test_image(void)
{
	struct render_params p = { .caption = "市民ホールの太陽光パネル" };
	struct render_data d = { .params = &p, .now = T_1400 };
	struct render_stats st;
	struct image im;
	char err[512];
	unsigned char head[200];
	FILE *fp;
	size_t n;

	write_png("slides_red.png", 400, 300, 1, 0, 0);
	write_jpeg("slides_blue.jpg", 320, 240, 0, 0, 255);

	p.image = "slides_red.png";
	CHECK_INT(render_image_check(p.image, err, sizeof err), 0);
	for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
		im = draw(&d, RENDER_IMAGE, sizes[i][0], sizes[i][1], "png",
			  &st);
		CHECK(st.image_drawn);
		CHECK_INT(st.nodata_panels, 0);
		CHECK_AT(centre(&im, &st) == 0xff0000, "png centre %06x",
			 centre(&im, &st));
		cairo_surface_destroy(im.s);
	}

	p.image = "slides_blue.jpg";
	CHECK_INT(render_image_check(p.image, err, sizeof err), 0);
	for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
		im = draw(&d, RENDER_IMAGE, sizes[i][0], sizes[i][1], "jpeg",
			  &st);
		CHECK(st.image_drawn);
		/* JPEG is lossy: blue within a few steps. */
		CHECK_AT(near_rgb(centre(&im, &st), 0x0000ff, 8),
			 "jpeg centre %06x", centre(&im, &st));
		cairo_surface_destroy(im.s);
	}

	/* A changed file is read again: the same name, now green and of
	 * another size. */
	write_png("slides_red.png", 200, 100, 0, 1, 0);
	p.image = "slides_red.png";
	im = draw(&d, RENDER_IMAGE, 1920, 1080, "changed", &st);
	CHECK_AT(centre(&im, &st) == 0x00ff00, "changed centre %06x",
		 centre(&im, &st));
	cairo_surface_destroy(im.s);

	/* Broken files: text, a JPEG cut short, a PNG cut short, none. */
	write_bytes("slides_text.png", "not a picture\n", 14);
	fp = fopen("slides_blue.jpg", "rb");
	n = fread(head, 1, sizeof head, fp);
	fclose(fp);
	write_bytes("slides_cut.jpg", head, n);
	fp = fopen("slides_red.png", "rb");
	n = fread(head, 1, 60, fp);
	fclose(fp);
	write_bytes("slides_cut.png", head, n);
	unlink("slides_missing.png");
	{
		const char *bad[] = { "slides_text.png", "slides_cut.jpg",
				      "slides_cut.png", "slides_missing.png" };

		for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
			p.image = bad[i];
			err[0] = '\0';
			CHECK_AT(render_image_check(p.image, err, sizeof err) ==
					 -1, "%s was taken", bad[i]);
			CHECK_AT(strstr(err, bad[i]) != NULL, "err '%s'", err);
			im = draw(&d, RENDER_IMAGE, 1080, 1920, "broken", &st);
			CHECK(!st.image_drawn);
			CHECK_INT(st.nodata_panels, 1);
			cairo_surface_destroy(im.s);
		}
	}
	render_image_forget();
}

static void test_qr(void)
{
	const char *url = "https://portal.example.jp/resident?id=12";
	struct render_params p = { .qr_url = url };
	struct render_data d = { .params = &p, .now = T_1400 };
	QRcode *code = QRcode_encodeString(url, 0, QR_ECLEVEL_M, QR_MODE_8,
					   1);

	CHECK(code != NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
		struct render_stats st;
		struct image im = draw(&d, RENDER_QR, sizes[i][0],
				       sizes[i][1], NULL, &st);
		struct render_rect q = st.qr;
		int n = st.qr_modules, m, x0 = (int)q.x, y0 = (int)q.y;
		long odd = 0, quiet_dark = 0;

		CHECK_INT(n, code->width + 8);
		CHECK(q.w > 0 && q.w == q.h);
		CHECK(q.x == floor(q.x) && q.y == floor(q.y));
		m = n > 0 ? (int)q.w / n : 0;
		CHECK_AT(m * n == (int)q.w && m >= 4,
			 "%dx%d: %d modules in %g px", im.w, im.h, n, q.w);

		/* Crisp: only pure black and white inside the symbol. */
		for (int y = y0; y < y0 + (int)q.h; y++)
			for (int x = x0; x < x0 + (int)q.w; x++) {
				uint32_t c = px_at(&im, x, y);
				int mx = (x - x0) / m, my = (y - y0) / m;

				odd += c != 0 && c != 0xffffff;
				if (mx < 4 || my < 4 || mx >= n - 4 ||
				    my >= n - 4)
					quiet_dark += c != 0xffffff;
			}
		CHECK_AT(odd == 0, "%dx%d: %ld grey pixels", im.w, im.h, odd);
		CHECK_INT(quiet_dark, 0);
		CHECK_INT(st.nodata_panels, 0);
		cairo_surface_destroy(im.s);
	}
	QRcode_free(code);

	/* No URL, or one too long for any QR symbol: the no-data mark. */
	{
		struct render_stats st;
		struct image im;
		char *huge = g_strnfill(8000, 'a');

		p.qr_url = NULL;
		im = draw(&d, RENDER_QR, 1920, 1080, "none", &st);
		CHECK_INT(st.nodata_panels, 1);
		cairo_surface_destroy(im.s);
		p.qr_url = huge;
		im = draw(&d, RENDER_QR, 1920, 1080, "huge", &st);
		CHECK_INT(st.nodata_panels, 1);
		cairo_surface_destroy(im.s);
		g_free(huge);
	}
}

/* Whether s holds Japanese: in UTF-8, kana, the CJK symbols and the
 * ideographs (U+3000 to U+9FFF) start with a byte 0xE3 to 0xE9, and the
 * full-width forms (U+FF00 to U+FFEF) with 0xEF 0xBC to 0xEF 0xBF.  The
 * Latin signs the slides use (℃, ², ·, –) lie below U+3000. */
static bool has_japanese(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++)
		if ((*p >= 0xe3 && *p <= 0xe9) ||
		    (*p == 0xef && p[1] >= 0xbc && p[1] <= 0xbf))
			return true;
	return false;
}

/* The first text drawn that holds Japanese, or NULL. */
static const char *japanese_text(const struct render_stats *st)
{
	for (int i = 0; i < st->ntexts; i++)
		if (has_japanese(st->texts[i].text))
			return st->texts[i].text;
	return NULL;
}

static bool drew_text(const struct render_stats *st, const char *text)
{
	for (int i = 0; i < st->ntexts; i++)
		if (!strcmp(st->texts[i].text, text))
			return true;
	return false;
}

/* Pixels where two frames of the same size differ, in r. */
static long count_diff(const struct image *a, const struct image *b,
		       struct render_rect r)
{
	long n = 0;

	for (int y = (int)r.y; y < (int)(r.y + r.h) && y < a->h; y++)
		for (int x = (int)r.x; x < (int)(r.x + r.w) && x < a->w; x++)
			n += px_at(a, x, y) != px_at(b, x, y);
	return n;
}

/* No two texts of the header overlap (a long title set over the date
 * in a portrait header did); a pixel of touching is allowed. */
static void check_header(const struct render_stats *st, const char *what)
{
	for (int i = 0; i < st->ntexts; i++) {
		struct render_rect a = st->texts[i].ink;

		if (a.y + a.h > st->header.h)
			continue;
		for (int j = i + 1; j < st->ntexts; j++) {
			struct render_rect b = st->texts[j].ink;
			double ox = fmin(a.x + a.w, b.x + b.w) - fmax(a.x, b.x);
			double oy = fmin(a.y + a.h, b.y + b.h) - fmax(a.y, b.y);

			if (b.y + b.h > st->header.h)
				continue;
			CHECK_AT(ox <= 1 || oy <= 1, "%s: \"%s\" over \"%s\"",
				 what, st->texts[i].text, st->texts[j].text);
		}
	}
}

/* One slide in English, in Japanese and in both: the English frame
 * draws no Japanese text and the label want among its texts, the
 * Japanese one draws Japanese, the two differ in the body (not only in
 * the header), and no header text lies over another. */
static void check_languages(const struct render_data *d,
			    enum render_slide s, int w, int h,
			    const char *want)
{
	struct render_stats en, ja, both;
	struct image im_en, im_ja, im_both;
	const char *bad;

	render_i18n_select(RENDER_LANG_EN, RENDER_LANG_NONE);
	im_en = draw(d, s, w, h, "en", &en);
	render_i18n_select(RENDER_LANG_JA, RENDER_LANG_NONE);
	im_ja = draw(d, s, w, h, "ja", &ja);
	render_i18n_select(RENDER_LANG_JA, RENDER_LANG_EN);
	im_both = draw(d, s, w, h, "jaen", &both);

	bad = japanese_text(&en);
	CHECK_AT(!bad, "%s %dx%d --lang en draws Japanese: %s",
		 render_slide_name(s), w, h, bad);
	CHECK_AT(japanese_text(&ja), "%s %dx%d --lang ja draws no Japanese",
		 render_slide_name(s), w, h);
	CHECK_AT(drew_text(&en, want), "%s %dx%d --lang en: no \"%s\"",
		 render_slide_name(s), w, h, want);
	CHECK_AT(!drew_text(&ja, want), "%s %dx%d --lang ja: \"%s\"",
		 render_slide_name(s), w, h, want);
	CHECK_AT(drew_text(&both, want), "%s %dx%d ja+en: no \"%s\"",
		 render_slide_name(s), w, h, want);
	CHECK_AT(japanese_text(&both), "%s %dx%d ja+en draws no Japanese",
		 render_slide_name(s), w, h);
	CHECK_AT(count_diff(&im_en, &im_ja, body_of(&im_en, &en)) > 500,
		 "%s %dx%d: the en and ja bodies differ in %ld px",
		 render_slide_name(s), w, h,
		 count_diff(&im_en, &im_ja, body_of(&im_en, &en)));
	CHECK_INT(en.unknown_glyphs, 0);
	CHECK_INT(ja.unknown_glyphs, 0);
	check_header(&en, render_slide_name(s));
	check_header(&ja, render_slide_name(s));
	check_header(&both, render_slide_name(s));
	cairo_surface_destroy(im_en.s);
	cairo_surface_destroy(im_ja.s);
	cairo_surface_destroy(im_both.s);
}

/* An ink mask cut to its bounding box. */
struct mask {
	int w, h;
	unsigned char px[600 * 80];
};

#define MASK_W 600
#define MASK_H 80

/* The mask of r in a frame: pixels nearer the text colour than the
 * panel's. */
static void frame_mask(const struct image *im, struct render_rect r,
		       struct mask *m)
{
	uint32_t fg = RENDER_RGB_TEXT, bg = RENDER_RGB_PANEL;
	int x0 = (int)r.x - 2, y0 = (int)r.y - 2;
	int x1 = (int)ceil(r.x + r.w) + 2, y1 = (int)ceil(r.y + r.h) + 2;
	int bx0 = x1, by0 = y1, bx1 = -1, by1 = -1;

	memset(m, 0, sizeof(*m));
	for (int pass = 0; pass < 2; pass++)
		for (int y = y0; y < y1; y++)
			for (int x = x0; x < x1; x++) {
				uint32_t p = px_at(im, x, y);
				int dfg = 0, dbg = 0;
				bool on;

				for (int k = 0; k < 24; k += 8) {
					dfg += abs((int)((p >> k) & 255) -
						   (int)((fg >> k) & 255));
					dbg += abs((int)((p >> k) & 255) -
						   (int)((bg >> k) & 255));
				}
				on = dfg < dbg;
				if (pass == 0 && on) {
					bx0 = x < bx0 ? x : bx0;
					by0 = y < by0 ? y : by0;
					bx1 = x > bx1 ? x : bx1;
					by1 = y > by1 ? y : by1;
				} else if (pass == 1 && on &&
					   x - bx0 < MASK_W &&
					   y - by0 < MASK_H) {
					m->px[(y - by0) * MASK_W + x - bx0] =
						1;
				}
			}
	if (bx1 >= 0) {
		m->w = MIN(bx1 - bx0 + 1, MASK_W);
		m->h = MIN(by1 - by0 + 1, MASK_H);
	}
}

/* The mask of text set by Pango alone, in the theme's family, bold, px
 * pixels, language en: what the label must look like. */
static void pango_mask(const char *text, double px, struct mask *m)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_A8,
							MASK_W + 40,
							MASK_H + 40);
	cairo_t *cr = cairo_create(s);
	PangoLayout *lo = pango_cairo_create_layout(cr);
	PangoFontDescription *fd = pango_font_description_new();
	unsigned char *d;
	int stride, bx0 = MASK_W + 40, by0 = MASK_H + 40, bx1 = -1, by1 = -1;

	pango_font_description_set_family(fd, RENDER_FONT_FAMILY);
	pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
	pango_font_description_set_absolute_size(fd, px * PANGO_SCALE);
	pango_layout_set_font_description(lo, fd);
	pango_layout_set_text(lo, text, -1);
	cairo_move_to(cr, 10, 10);
	pango_cairo_show_layout(cr, lo);
	cairo_surface_flush(s);
	d = cairo_image_surface_get_data(s);
	stride = cairo_image_surface_get_stride(s);
	memset(m, 0, sizeof(*m));
	for (int y = 0; y < MASK_H + 40; y++)
		for (int x = 0; x < MASK_W + 40; x++)
			if (d[y * stride + x] > 127) {
				bx0 = x < bx0 ? x : bx0;
				by0 = y < by0 ? y : by0;
				bx1 = x > bx1 ? x : bx1;
				by1 = y > by1 ? y : by1;
			}
	if (bx1 >= 0) {
		m->w = MIN(bx1 - bx0 + 1, MASK_W);
		m->h = MIN(by1 - by0 + 1, MASK_H);
		for (int y = 0; y < m->h; y++)
			for (int x = 0; x < m->w; x++)
				m->px[y * MASK_W + x] =
					d[(by0 + y) * stride + bx0 + x] > 127;
	}
	pango_font_description_free(fd);
	g_object_unref(lo);
	cairo_destroy(cr);
	cairo_surface_destroy(s);
}

/* The share of pixels, over the larger box, where a and b differ. */
static double mask_diff(const struct mask *a, const struct mask *b)
{
	int w = MAX(a->w, b->w), h = MAX(a->h, b->h);
	long n = 0;

	if (!w || !h)
		return 1;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			int pa = x < a->w && y < a->h ? a->px[y * MASK_W + x]
						      : 0;
			int pb = x < b->w && y < b->h ? b->px[y * MASK_W + x]
						      : 0;

			n += pa != pb;
		}
	return (double)n / ((double)w * h);
}

/* The EV slide's first heading, 1920x1080 (one layout unit a pixel):
 * in English its pixels are the words as Pango sets them alone at 36
 * px bold; in Japanese the same place holds something else. */
static void test_heading_pixels(json_t *signage)
{
	static struct mask got, want, ja_got;
	struct render_data d = { .signage = signage, .now = T_1400 };
	const char *label = "Charging sessions today";
	struct render_stats en, ja;
	struct render_rect r = { 0 };
	struct image im_en, im_ja;
	double diff_en, diff_ja;

	render_i18n_select(RENDER_LANG_EN, RENDER_LANG_NONE);
	im_en = draw(&d, RENDER_EV, 1920, 1080, "en", &en);
	render_i18n_select(RENDER_LANG_JA, RENDER_LANG_NONE);
	im_ja = draw(&d, RENDER_EV, 1920, 1080, "ja", &ja);
	render_i18n_select(RENDER_LANG_JA, RENDER_LANG_EN);
	for (int i = 0; i < en.ntexts; i++)
		if (!strcmp(en.texts[i].text, label))
			r = en.texts[i].ink;
	CHECK(r.w > 0);
	frame_mask(&im_en, r, &got);
	frame_mask(&im_ja, r, &ja_got);
	pango_mask(label, 36, &want);
	diff_en = mask_diff(&got, &want);
	diff_ja = mask_diff(&ja_got, &want);
	CHECK_AT(diff_en < 0.06, "en heading differs from Pango's in %.3f "
		 "(%dx%d, %dx%d)", diff_en, got.w, got.h, want.w, want.h);
	CHECK_AT(diff_ja > 0.2, "ja heading like the English in %.3f",
		 diff_ja);
	cairo_surface_destroy(im_en.s);
	cairo_surface_destroy(im_ja.s);
}

/* Every slide past the first four speaks the language chosen: the
 * labels expected are the English of the slide's design. */
static void test_languages(json_t *signage)
{
	struct render_params p = { .qr_url = "https://portal.example.jp/r" };
	struct render_data d = { .signage = signage, .params = &p,
				 .now = T_1400 };
	struct render_data none = { .now = T_1400 };
	static const struct {
		enum render_slide slide;
		const char *label;
	} cases[] = {
		{ RENDER_CO2, "CO2 avoided by solar today" },
		{ RENDER_RANKING, "Energy per floor area today, least first" },
		{ RENDER_EV, "Charging sessions today" },
		{ RENDER_WEATHER, "Air temperature" },
		{ RENDER_QR, "Scan with your phone camera" },
	};

	for (size_t k = 0; k < G_N_ELEMENTS(cases); k++)
		for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++)
			check_languages(&d, cases[k].slide, sizes[i][0],
					sizes[i][1], cases[k].label);

	/* The ranking's building without data, and the slides without
	 * anything to draw: their marks too. */
	for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
		check_languages(&none, RENDER_MESSAGE, sizes[i][0],
				sizes[i][1], "No data");
		check_languages(&none, RENDER_IMAGE, sizes[i][0],
				sizes[i][1], "No data");
		check_languages(&none, RENDER_EV, sizes[i][0], sizes[i][1],
				"No data");
	}
	render_i18n_select(RENDER_LANG_JA, RENDER_LANG_EN);
}

/* The notice a in w x h, in the languages selected. */
static struct image draw_alert(const struct render_alert *a, int w, int h,
			       const char *tag, struct render_stats *st)
{
	struct image im = { cairo_image_surface_create(CAIRO_FORMAT_RGB24, w,
						       h), w, h };
	cairo_t *cr = cairo_create(im.s);
	char path[256];

	CHECK_INT(render_alert_stats(cr, w, h, a, st), 0);
	cairo_destroy(cr);
	cairo_surface_flush(im.s);
	snprintf(path, sizeof path, "alert_%d_%dx%d_%s.png", (int)a->kind, w,
		 h, tag);
	CHECK_INT(cairo_surface_write_to_png(im.s, path),
		  CAIRO_STATUS_SUCCESS);
	return im;
}

/* The emergency and saving notices in English, Japanese and both. */
static void test_alert_languages(void)
{
	static const struct {
		struct render_alert a;
		const char *en, *ja;	/* the heading in each */
	} cases[] = {
		{ { RENDER_ALERT_EMERGENCY, "Evacuate to the park", 0, 0 },
		  "Emergency notice", "緊急のお知らせ" },
		{ { RENDER_ALERT_SAVE_GRID, NULL, 97, 97 },
		  "Please save electricity", "節電にご協力ください" },
		{ { RENDER_ALERT_SAVE_HOME, NULL, 4.2, 3 },
		  "Please save electricity", "節電にご協力ください" },
	};

	for (size_t k = 0; k < G_N_ELEMENTS(cases); k++)
		for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
			int w = sizes[i][0], h = sizes[i][1];
			struct render_stats en, ja, both;
			struct image im_en, im_ja, im_both;
			const char *bad;

			render_i18n_select(RENDER_LANG_EN, RENDER_LANG_NONE);
			im_en = draw_alert(&cases[k].a, w, h, "en", &en);
			render_i18n_select(RENDER_LANG_JA, RENDER_LANG_NONE);
			im_ja = draw_alert(&cases[k].a, w, h, "ja", &ja);
			render_i18n_select(RENDER_LANG_JA, RENDER_LANG_EN);
			im_both = draw_alert(&cases[k].a, w, h, "jaen",
					     &both);

			bad = japanese_text(&en);
			CHECK_AT(!bad, "notice %zu %dx%d en: %s", k, w, h,
				 bad);
			CHECK(drew_text(&en, cases[k].en));
			CHECK(!drew_text(&en, cases[k].ja));
			CHECK(drew_text(&ja, cases[k].ja));
			CHECK(!drew_text(&ja, cases[k].en));
			CHECK(drew_text(&both, cases[k].ja));
			CHECK(drew_text(&both, cases[k].en));
			/* the figures' line, English only in English */
			CHECK_AT(en.layouts < both.layouts,
				 "notice %zu: %d layouts in en, %d in both", k,
				 en.layouts, both.layouts);
			CHECK(count_diff(&im_en, &im_ja,
					 (struct render_rect){ 0, 0, w, h }) >
			      1000);
			CHECK_INT(en.unknown_glyphs + ja.unknown_glyphs +
				  both.unknown_glyphs, 0);
			cairo_surface_destroy(im_en.s);
			cairo_surface_destroy(im_ja.s);
			cairo_surface_destroy(im_both.s);
		}
}

/* A notice on a screen too small for its smallest type, and a message
 * far too long for the screen: both draw, and inside the screen. */
static void test_alert_bounds(void)
{
	struct render_alert a = { RENDER_ALERT_EMERGENCY, NULL, 0, 0 };
	struct render_alert save = { RENDER_ALERT_SAVE_GRID, NULL, 97, 97 };
	GString *g = g_string_new("");
	struct render_stats st;
	struct image im;

	/* 64 x 48: 1/1080 of 48 px makes every size under 8 px. */
	a.message = "Evacuate";
	im = draw_alert(&a, 64, 48, "tiny", &st);
	cairo_surface_destroy(im.s);
	im = draw_alert(&save, 64, 48, "tiny", &st);
	cairo_surface_destroy(im.s);

	/* 40,000 characters: more than fit at 8 px (1800 px by 780 px
	 * holds some 110 x 65 = 7,000 of these). */
	for (int i = 0; i < 4000; i++)
		g_string_append(g, "緊急避難 広場へ ");
	a.message = g->str;
	im = draw_alert(&a, 1920, 1080, "long", &st);
	CHECK(st.ntexts >= 2);
	for (int i = 0; i < st.ntexts; i++) {
		struct render_rect r = st.texts[i].ink;

		CHECK_AT(r.y >= 0 && r.y + r.h <= 1080 && r.x >= 0 &&
			 r.x + r.w <= 1920, "text %d at %g,%g %gx%g", i, r.x,
			 r.y, r.w, r.h);
	}
	cairo_surface_destroy(im.s);
	g_string_free(g, TRUE);
}

/* Japanese in an English layout is tagged ja; the English around it is
 * left English. */
static void test_tag_japanese(void)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_A8, 8, 8);
	cairo_t *cr = cairo_create(s);
	PangoContext *pc = pango_cairo_create_context(cr);
	/* "Shinjuku " is 9 bytes, 新宿駅 the next 9, " West" 5 more */
	const char *text = "Shinjuku 新宿駅 West";
	static const struct {
		int at;
		const char *lang;
	} want[] = { { 0, "en" }, { 8, "en" }, { 9, "ja" }, { 17, "ja" },
		     { 18, "en" }, { 22, "en" } };
	PangoLayout *lo = render_layout_new_lang(pc, text, 20, false,
						 RENDER_LANG_EN, 0,
						 RENDER_LANG_NONE);
	PangoAttrIterator *it;

	for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
		PangoAttribute *a = NULL;
		int start, end;

		it = pango_attr_list_get_iterator(
			pango_layout_get_attributes(lo));
		do {
			pango_attr_iterator_range(it, &start, &end);
			if (want[i].at >= start && want[i].at < end)
				a = pango_attr_iterator_get(
					it, PANGO_ATTR_LANGUAGE);
		} while (!a && pango_attr_iterator_next(it));
		CHECK_AT(a != NULL, "byte %d: no language", want[i].at);
		if (a)
			CHECK_STR(pango_language_to_string(
					  ((PangoAttrLanguage *)a)->value),
				  want[i].lang);
		pango_attr_iterator_destroy(it);
	}
	g_object_unref(lo);
	g_object_unref(pc);
	cairo_destroy(cr);
	cairo_surface_destroy(s);
}

/* The CO2 footnote without the factor's source names none, rather than
 * an empty "()". */
static void test_co2_footnote(json_t *signage)
{
	json_t *copy = json_deep_copy(signage);
	struct render_data d = { .signage = copy, .now = T_1400 };
	struct render_stats st;
	struct image im;
	bool found = false;

	json_object_del(json_object_get(copy, "solar"), "co2_factor_source");
	render_i18n_select(RENDER_LANG_EN, RENDER_LANG_NONE);
	im = draw(&d, RENDER_CO2, 1920, 1080, "nosource", &st);
	for (int i = 0; i < st.ntexts; i++)
		if (g_str_has_prefix(st.texts[i].text, "emission factor")) {
			found = true;
			CHECK_AT(!strstr(st.texts[i].text, "()"), "%s",
				 st.texts[i].text);
			CHECK(g_str_has_prefix(st.texts[i].text,
					       "emission factor 0.491 "
					       "kg-CO2/kWh · "));
		}
	CHECK(found);
	cairo_surface_destroy(im.s);
	render_i18n_select(RENDER_LANG_JA, RENDER_LANG_EN);
	json_decref(copy);
}

/* Hostile answers: every field of the wrong type still draws. */
static void test_hostile(json_t *signage)
{
	json_t *bad = json_pack("{s:s, s:[i], s:{s:s}, s:{s:[s]}}",
				"solar", "x", "ranking", 1, "ev", "sessions",
				"many", "weather", "latest", "y");
	json_t *rows = json_pack("{s:[s, i, {s:i}]}", "sites", "a", 2,
				 "site", 3);
	struct render_data d = { .signage = bad, .now = T_1400 };

	json_object_set_new(bad, "ranking", rows);
	for (size_t k = 0; k < G_N_ELEMENTS(data_slides); k++)
		for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
			struct render_stats st;
			struct image im = draw(&d, data_slides[k],
					       sizes[i][0], sizes[i][1],
					       "hostile", &st);

			cairo_surface_destroy(im.s);
		}
	json_decref(bad);
	(void)signage;
}

static void test_names(void)
{
	static const char *const names[] = {
		"co2", "ranking", "ev", "weather", "message", "image", "qr",
	};
	enum render_slide s;

	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		CHECK_INT(render_slide_parse(names[i], &s), 0);
		CHECK_INT(s, RENDER_CO2 + (int)i);
		CHECK_STR(render_slide_name(s), names[i]);
	}
	CHECK(render_slide_standalone(RENDER_QR));
	CHECK(!render_slide_standalone(RENDER_WEATHER));
}

int main(void)
{
	json_t *signage;

	/* A GLib or Pango call refused (a NULL layout drawn) is a failure
	 * here, not a warning on stderr. */
	g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
	signage = load_signage();

	test_names();
	test_data_slides(signage);
	test_partial(signage);
	test_message();
	test_image();
	test_qr();
	test_hostile(signage);
	test_languages(signage);
	test_heading_pixels(signage);
	test_alert_languages();
	test_alert_bounds();
	test_tag_japanese();
	test_co2_footnote(signage);
	json_decref(signage);
	return check_finish();
}
