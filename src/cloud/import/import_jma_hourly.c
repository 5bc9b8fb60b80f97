/*
 * import_jma_hourly.c - hourly observations from the Japan
 * Meteorological Agency's past-weather download (過去の気象データ).
 *
 * CP932.  A header block comes first: the download time, a blank line,
 * the station row, the element row ("年月日時,気温(℃),..."), a
 * sub-element row (風向 under the wind columns; absent when no element
 * has one) and a flags row naming each element's extra columns
 * (品質情報, 均質番号, 現象なし情報).  Columns are found by element,
 * sub-element and flag names, never by position.
 *
 * Times mark the END of the hour: "2025/1/1 1:00:00" is 00:00-01:00 JST
 * and is stored at its start, 00:00.  Quality 8 (正常値) is the only
 * value stored; any other flag (5 準正常, 4 資料不足, 2 疑問, 1 欠測,
 * 0 なし) is skipped and counted in the import's warning, as a mean
 * over an incomplete hour would pass for a normal one on a slide.
 * 現象なし情報 1 says the phenomenon did not occur: precipitation or
 * sunshine is then a real 0, also where the value cell is empty.  The
 * wind direction, a 16-point compass word, becomes degrees (北 0,
 * 北北東 22.5, ... 北北西 337.5) as a point of its own; 静穏 (calm) has
 * no direction and gives no reading.
 */
#include "cloud/import/import_internal.h"

#include <stdio.h>
#include <string.h>

#define MAX_FIELDS 128
#define HOUR_S 3600
#define QUALITY_NORMAL "8"

enum {
	TEMPERATURE, PRECIPITATION, SUNSHINE, WIND_SPEED, WIND_DIRECTION,
	RADIATION, NPOINTS
};

static const struct import_point_def jma_points[] = {
	[TEMPERATURE] = {"jma-tokyo/temperature", "temperature", "degC",
			 HOUR_S},
	[PRECIPITATION] = {"jma-tokyo/precipitation", "precipitation", "mm",
			   HOUR_S},
	[SUNSHINE] = {"jma-tokyo/sunshine", "sunshine", "h", HOUR_S},
	[WIND_SPEED] = {"jma-tokyo/wind_speed", "speed", "m/s", HOUR_S},
	[WIND_DIRECTION] = {"jma-tokyo/wind_direction", "direction", "deg",
			    HOUR_S},
	[RADIATION] = {"jma-tokyo/solar_radiation", "irradiation", "MJ/m2",
		       HOUR_S},
};

/* Which element and sub-element header feeds each point. */
static const struct {
	const char *element;
	const char *sub;
} jma_columns[] = {
	[TEMPERATURE] = {"気温(℃)", ""},
	[PRECIPITATION] = {"降水量(mm)", ""},
	[SUNSHINE] = {"日照時間(時間)", ""},
	[WIND_SPEED] = {"風速(m/s)", ""},
	[WIND_DIRECTION] = {"風速(m/s)", "風向"},
	[RADIATION] = {"日射量(MJ/㎡)", ""},
};

G_STATIC_ASSERT(G_N_ELEMENTS(jma_points) == NPOINTS);
G_STATIC_ASSERT(G_N_ELEMENTS(jma_columns) == NPOINTS);

static const char *const compass[16] = {
	"北", "北北東", "北東", "東北東", "東", "東南東", "南東", "南南東",
	"南", "南南西", "南西", "西南西", "西", "西北西", "北西", "北北西",
};

#define CALM "静穏"

/* Where each point's value and flags are, -1 when the file has none. */
struct jma_layout {
	int value[NPOINTS];
	int quality[NPOINTS];
	int absent[NPOINTS];	/* 現象なし情報 */
	int nfields;
};

/* A header row split into fields; the caller owns nothing. */
struct jma_row {
	char *f[MAX_FIELDS];
	int n;
};

static int split_header(struct import_parse *p, char *line,
			struct jma_row *r, int want)
{
	r->n = import_csv_split(line, r->f, MAX_FIELDS);
	if (r->n < 0 || (want && r->n != want))
		return import_fail(p, "header row has %d fields, the element "
				   "row %d", r->n, want);
	return 0;
}

/* Finds each point's columns: the value is the column of the element
 * (and sub-element) with no flag name; its flags follow it up to the
 * next value column. */
static void find_columns(const struct jma_row *elem, const struct jma_row *sub,
			 const struct jma_row *flags, struct jma_layout *l)
{
	for (int i = 0; i < NPOINTS; i++) {
		l->value[i] = l->quality[i] = l->absent[i] = -1;
		for (int c = 1; c < elem->n; c++) {
			const char *s = sub ? sub->f[c] : "";

			if (strcmp(elem->f[c], jma_columns[i].element) ||
			    strcmp(s, jma_columns[i].sub))
				continue;
			if (!*flags->f[c] && l->value[i] < 0)
				l->value[i] = c;
			else if (l->value[i] >= 0 &&
				 !strcmp(flags->f[c], "品質情報"))
				l->quality[i] = c;
			else if (l->value[i] >= 0 &&
				 !strcmp(flags->f[c], "現象なし情報"))
				l->absent[i] = c;
		}
	}
}

/* True when line starts with a date: the first data row. */
static bool is_data(const char *line)
{
	return line[0] >= '0' && line[0] <= '9' && strchr(line, '/');
}

static int jma_header(struct import_parse *p, struct jma_layout *l,
		      char **first)
{
	struct jma_row elem, hdr[2];
	int nhdr = 0, rc, any = 0;
	char *line;

	while ((line = import_next_line(p)) && strncmp(line, "年月日時,", 13))
		;
	if (!line) {
		snprintf(p->err, sizeof p->err, "%s: no element row "
			 "(年月日時,...): not a JMA hourly file", p->path);
		return IMPORT_BAD_INPUT;
	}
	rc = split_header(p, line, &elem, 0);
	if (rc)
		return rc;

	/* One or two rows of sub-elements and flags, then the data. */
	while ((line = import_next_line(p)) && !is_data(line)) {
		if (nhdr == 2)
			return import_fail(p, "more than two header rows "
					   "after the element row");
		rc = split_header(p, line, &hdr[nhdr++], elem.n);
		if (rc)
			return rc;
	}
	if (!nhdr)
		return import_fail(p, "no flags row (品質情報,...) after the "
				   "element row");
	find_columns(&elem, nhdr == 2 ? &hdr[0] : NULL, &hdr[nhdr - 1], l);
	for (int i = 0; i < NPOINTS; i++) {
		if (l->value[i] >= 0 && l->quality[i] < 0)
			return import_fail(p, "no 品質情報 column for %s%s%s",
					   jma_columns[i].element,
					   *jma_columns[i].sub ? " " : "",
					   jma_columns[i].sub);
		any |= l->value[i] >= 0;
	}
	if (!any)
		return import_fail(p, "none of the elements akari reads "
				   "(気温, 降水量, 日照時間, 風速, 日射量)");
	l->nfields = elem.n;
	*first = line;
	return 0;
}

/* The compass word as degrees; 1 for calm; -1 for anything else. */
static int direction(const char *s, double *deg)
{
	if (!strcmp(s, CALM))
		return 1;
	for (int i = 0; i < 16; i++) {
		if (!strcmp(s, compass[i])) {
			*deg = i * 22.5;
			return 0;
		}
	}
	return -1;
}

/* Reads point i of the row's fields f into a row at ts. */
static int jma_value(struct import_parse *p, const struct jma_layout *l,
		     char **f, int i, int64_t ts)
{
	const char *v = f[l->value[i]];
	bool absent = l->absent[i] >= 0 && !strcmp(f[l->absent[i]], "1");
	double x = 0;
	int rc;

	if (strcmp(f[l->quality[i]], QUALITY_NORMAL)) {
		import_drop(p, "a 品質情報 flag other than 8 (normal)");
		return 0;
	}
	if (i == WIND_DIRECTION) {
		rc = direction(v, &x);
		if (rc < 0)
			return import_fail(p, "wind direction '%s' is not a "
					   "16-point compass word", v);
		if (rc == 0)
			import_row_add(p, i, ts, x);
		return 0;
	}
	rc = import_value(p, v, jma_points[i].key, &x);
	if (rc < 0)
		return rc;
	if (rc == 0 || absent)
		import_row_add(p, i, ts, rc == 0 ? x : 0.0);
	return 0;
}

static int jma_parse(struct import_parse *p)
{
	struct jma_layout l = {0};
	char *f[MAX_FIELDS], *line = NULL;
	int rc;

	rc = jma_header(p, &l, &line);
	if (rc)
		return rc;

	for (; line; line = import_next_line(p)) {
		struct import_civil c;
		int64_t ts;
		int n;

		if (import_blank_tail(p, line))
			break;
		n = import_csv_split(line, f, MAX_FIELDS);
		if (n != l.nfields)
			return import_fail(p, "row has %d fields, the header "
					   "%d", n, l.nfields);
		if (import_civil_parse_slashed_dt(f[0], &c))
			return import_fail(p, "bad time '%s', expected "
					   "YYYY/M/D H:MM:SS", f[0]);
		/* The end of the hour, stored at its start. */
		ts = import_civil_to_unix(p->tz, &c) - HOUR_S;
		for (int i = 0; i < NPOINTS; i++) {
			if (l.value[i] < 0)
				continue;
			rc = jma_value(p, &l, f, i, ts);
			if (rc)
				return rc;
		}
	}
	return 0;
}

const struct import_format import_format_jma_hourly = {
	.name = "jma-hourly",
	.about = "JMA hourly weather download (CP932), end-of-hour times",
	.encoding = "CP932",
	.site = "jma-tokyo",
	.site_kind = "weather",
	.tz = "Asia/Tokyo",
	.points = jma_points,
	.npoints = NPOINTS,
	.parse = jma_parse,
};
