/*
 * render_image.c - a picture from a file: PNG read by Cairo, JPEG by
 * libjpeg-turbo, told apart by their first bytes.  The decoded picture
 * is kept between frames (a fade draws a slide many times a second) and
 * read again when the file's path, size or modification time changes.
 * A file that cannot be read draws the no-data mark, never an empty
 * panel.
 *
 * Coordinates: device pixels, origin top left, y down; sizes in layout
 * units (c->u).  The picture is scaled to fit the body, keeping its
 * aspect, and centred; a caption, when given, takes a line under it.
 */
#include "render/render_internal.h"

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
/* jpeglib.h needs FILE and size_t declared before it. */
#include <jpeglib.h>
#include <string.h>
#include <sys/stat.h>

/* Larger pictures are refused: 8192 x 8192 x 4 bytes is 256 MiB. */
#define IMAGE_SIDE_MAX 8192

/* The last file read, and what came of it. */
static struct {
	char *path;
	time_t mtime;
	off_t size;
	cairo_surface_t *surface;	/* NULL: it could not be read */
	cairo_surface_t *scaled;	/* surface at the size last drawn */
	int scaled_w, scaled_h;
	char err[256];
} cached;

void render_image_forget(void)
{
	if (cached.surface)
		cairo_surface_destroy(cached.surface);
	if (cached.scaled)
		cairo_surface_destroy(cached.scaled);
	g_free(cached.path);
	memset(&cached, 0, sizeof cached);
}

struct jpeg_fail {
	struct jpeg_error_mgr mgr;
	jmp_buf jump;
	char msg[JMSG_LENGTH_MAX];
};

static void jpeg_fail_exit(j_common_ptr cinfo)
{
	struct jpeg_fail *f = (struct jpeg_fail *)cinfo->err;

	f->mgr.format_message(cinfo, f->msg);
	longjmp(f->jump, 1);
}

/* libjpeg's warnings (a corrupt byte it skipped) are not failures. */
static void jpeg_quiet(j_common_ptr cinfo)
{
	(void)cinfo;
}

/* Decodes the JPEG in fp into a new RGB24 surface, or NULL with err. */
static cairo_surface_t *load_jpeg(FILE *fp, char *err, size_t errlen)
{
	struct jpeg_decompress_struct ci;
	struct jpeg_fail jf;
	cairo_surface_t *volatile s = NULL;
	JSAMPROW row;
	unsigned char *px;
	int stride;

	ci.err = jpeg_std_error(&jf.mgr);
	jf.mgr.error_exit = jpeg_fail_exit;
	jf.mgr.output_message = jpeg_quiet;
	jf.msg[0] = '\0';
	if (setjmp(jf.jump)) {
		snprintf(err, errlen, "not a readable JPEG: %s", jf.msg);
		jpeg_destroy_decompress(&ci);
		if (s)
			cairo_surface_destroy(s);
		return NULL;
	}
	jpeg_create_decompress(&ci);
	jpeg_stdio_src(&ci, fp);
	jpeg_read_header(&ci, TRUE);
	ci.out_color_space = JCS_EXT_BGRX;	/* Cairo's RGB24 in memory */
	jpeg_start_decompress(&ci);
	if (ci.output_width > IMAGE_SIDE_MAX ||
	    ci.output_height > IMAGE_SIDE_MAX) {
		snprintf(err, errlen, "%ux%u pixels, over %d on a side",
			 ci.output_width, ci.output_height, IMAGE_SIDE_MAX);
		jpeg_destroy_decompress(&ci);
		return NULL;
	}
	s = cairo_image_surface_create(CAIRO_FORMAT_RGB24,
				       (int)ci.output_width,
				       (int)ci.output_height);
	if (cairo_surface_status(s)) {
		snprintf(err, errlen, "no memory for %ux%u pixels",
			 ci.output_width, ci.output_height);
		cairo_surface_destroy(s);
		jpeg_destroy_decompress(&ci);
		return NULL;
	}
	cairo_surface_flush(s);
	px = cairo_image_surface_get_data(s);
	stride = cairo_image_surface_get_stride(s);
	while (ci.output_scanline < ci.output_height) {
		row = px + (size_t)ci.output_scanline * (size_t)stride;
		jpeg_read_scanlines(&ci, &row, 1);
	}
	cairo_surface_mark_dirty(s);
	jpeg_finish_decompress(&ci);
	jpeg_destroy_decompress(&ci);
	return s;
}

/* Reads the picture at path, or returns NULL with err. */
static cairo_surface_t *load(const char *path, char *err, size_t errlen)
{
	unsigned char magic[8] = {0};
	cairo_surface_t *s = NULL;
	FILE *fp = fopen(path, "rb");
	size_t n;

	if (!fp) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	n = fread(magic, 1, sizeof magic, fp);
	if (n >= 3 && magic[0] == 0xFF && magic[1] == 0xD8 &&
	    magic[2] == 0xFF) {
		rewind(fp);
		s = load_jpeg(fp, err, errlen);
	} else if (n == 8 && !memcmp(magic, "\x89PNG\r\n\x1a\n", 8)) {
		s = cairo_image_surface_create_from_png(path);
		if (cairo_surface_status(s)) {
			snprintf(err, errlen, "not a readable PNG: %s",
				 cairo_status_to_string(
				     cairo_surface_status(s)));
			cairo_surface_destroy(s);
			s = NULL;
		} else if (cairo_image_surface_get_width(s) > IMAGE_SIDE_MAX ||
			   cairo_image_surface_get_height(s) >
				   IMAGE_SIDE_MAX) {
			snprintf(err, errlen, "over %d pixels on a side",
				 IMAGE_SIDE_MAX);
			cairo_surface_destroy(s);
			s = NULL;
		}
	} else {
		snprintf(err, errlen, "neither a PNG nor a JPEG file");
	}
	fclose(fp);
	return s;
}

/* The picture at path, from the cache when the file is unchanged;
 * NULL with cached.err when it cannot be read.  Borrowed. */
static cairo_surface_t *image_get(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		render_image_forget();
		snprintf(cached.err, sizeof cached.err, "%s", strerror(errno));
		return NULL;
	}
	if (cached.path && !strcmp(cached.path, path) &&
	    cached.mtime == st.st_mtime && cached.size == st.st_size)
		return cached.surface;

	render_image_forget();
	cached.path = g_strdup(path);
	cached.mtime = st.st_mtime;
	cached.size = st.st_size;
	cached.surface = load(path, cached.err, sizeof cached.err);
	return cached.surface;
}

int render_image_check(const char *path, char *err, size_t errlen)
{
	char why[256] = "";
	cairo_surface_t *s;

	if (!path || !*path) {
		snprintf(err, errlen, "no image file given");
		return -1;
	}
	s = load(path, why, sizeof why);
	if (!s) {
		snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	cairo_surface_destroy(s);
	return 0;
}

/* The picture scaled to w x h, made once for each new size: filtering
 * a large scale on every frame of a fade costs more than a frame may. */
static cairo_surface_t *image_scaled(cairo_surface_t *s, int w, int h)
{
	cairo_t *cr;

	if (cached.scaled && cached.scaled_w == w && cached.scaled_h == h)
		return cached.scaled;
	if (cached.scaled)
		cairo_surface_destroy(cached.scaled);
	cached.scaled = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
	cached.scaled_w = w;
	cached.scaled_h = h;
	cr = cairo_create(cached.scaled);
	cairo_scale(cr, (double)w / cairo_image_surface_get_width(s),
		    (double)h / cairo_image_surface_get_height(s));
	cairo_set_source_surface(cr, s, 0, 0);
	cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
	cairo_paint(cr);
	cairo_destroy(cr);
	return cached.scaled;
}

void render_image(struct render_ctx *c, struct render_rect body)
{
	const struct render_params *p = c->d->params;
	const char *cap = p ? p->caption : NULL;
	struct render_style st = {
		.px = 40 * c->u, .bold = true, .rgb = RENDER_RGB_TEXT,
		.align = RENDER_ALIGN_CENTER, .max_w = body.w,
	};
	struct render_rect pic = body;
	cairo_surface_t *s = p && p->image ? image_get(p->image) : NULL;
	double iw, ih, k, x0, y0;
	int sw, sh;

	if (!s) {
		render_panel(c, body);
		render_nodata(c, body);
		return;
	}
	if (cap && *cap)
		pic.h = fmax(body.h - 70 * c->u, 0);

	iw = cairo_image_surface_get_width(s);
	ih = cairo_image_surface_get_height(s);
	k = fmin(pic.w / iw, pic.h / ih);
	sw = (int)fmax(floor(iw * k), 1);
	sh = (int)fmax(floor(ih * k), 1);
	s = image_scaled(s, sw, sh);
	x0 = floor(pic.x + (pic.w - sw) / 2);
	y0 = floor(pic.y + (pic.h - sh) / 2);
	cairo_save(c->cr);
	cairo_set_source_surface(c->cr, s, x0, y0);
	cairo_rectangle(c->cr, x0, y0, sw, sh);
	cairo_fill(c->cr);
	cairo_restore(c->cr);
	if (cap && *cap)
		render_text(c, &st, body.x + body.w / 2, pic.y + pic.h +
			    14 * c->u, cap);
	if (c->stats)
		c->stats->image_drawn = true;
}
