/*
 * api_fiap.c - the HTTP and SOAP side of IEEE 1888 storage.
 *
 * A request goes through three steps, like every request of api.c:
 *
 *   api_fiap_begin()    method, content type, length, token
 *   api_fiap_receive()  the body, up to the configured limit
 *   api_fiap_finish()   parse the envelope, run the operation, answer
 *
 * Answers: 200 with a dataRS or queryRS whose header holds OK or the
 * standard's error (the operation was understood); 500 with a SOAP 1.1
 * Fault when the body is no FIAP message (SOAP 1.1 answers every fault
 * with 500); 401, 405, 413 and 415 with a Fault for what the headers
 * already refuse.  A Client fault is the sender's mistake and is logged
 * as a warning, whatever its status.
 */
#include "cloud/api/api_fiap_internal.h"

#include <errno.h>
#include <glib.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/timeutil.h"

#define MOD "api"
#define XML_TYPE "text/xml; charset=utf-8"
#define SOAP11_NS "http://schemas.xmlsoap.org/soap/envelope/"
#define SOAP12_NS "http://www.w3.org/2003/05/soap-envelope"

/* Attributes (namespace declarations included) on one element.  A FIAP
 * element has at most 10; libxml2 checks each new one against all the
 * earlier ones, so thousands of them cost seconds, a body full of them
 * hours. */
#define MAX_ATTRS 64

struct api_fiap {
	const struct api_fiap_env *env;
	struct MHD_Connection *conn;
	const char *method, *url, *client;
	struct ingest_source src;
	struct store_device dev;	/* the token's (api_auth.h) */
	unsigned retry_after;	/* for a 429's Retry-After */
	bool has_token;		/* a valid device token came */
	GByteArray *body;
	size_t dropped;		/* bytes past the limit, dropped */
	bool too_big;
	bool answered;
};

bool api_fiap_route(const char *url)
{
	return !strcmp(url, API_FIAP_PATH) || !strcmp(url, API_FIAP_ALIAS);
}

void api_fiap_env_init(struct api_fiap_env *env, struct store *st,
		       size_t max_body, const struct api_fiap_map *map)
{
	/* libxml2 sets up its globals here once, not racing in threads. */
	xmlInitParser();
	env->st = st;
	env->max_body = max_body;
	env->map = map;
	env->future_tolerance_s = 0;
	env->cursors = fiap_cursors_new();
}

void api_fiap_env_finish(struct api_fiap_env *env)
{
	fiap_cursors_free(env->cursors);
	env->cursors = NULL;
}

/* --- helpers for the operations --------------------------------------- */

bool fiap_is(xmlNodePtr node, const char *name)
{
	return node && node->type == XML_ELEMENT_NODE && node->ns &&
	       !strcmp((const char *)node->ns->href, FIAP_NS) &&
	       !strcmp((const char *)node->name, name);
}

char *fiap_attr(xmlNodePtr node, const char *name)
{
	xmlChar *v = xmlGetNoNsProp(node, (const xmlChar *)name);
	char *copy = v ? g_strdup((const char *)v) : NULL;

	xmlFree(v);
	return copy;
}

xmlNodePtr fiap_child(struct fiap_reply *r, xmlNodePtr parent,
		      const char *name)
{
	return xmlNewChild(parent, r->ns, (const xmlChar *)name, NULL);
}

void fiap_reply_ok(struct fiap_reply *r)
{
	fiap_child(r, r->header, "OK");
}

void fiap_reply_error(struct fiap_reply *r, const char *type,
		      const char *fmt, ...)
{
	xmlNodePtr e;
	char *text;
	va_list ap;

	va_start(ap, fmt);
	text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_free(r->message);
	r->message = g_utf8_make_valid(text, -1);
	g_free(text);
	r->error = type;

	e = xmlNewTextChild(r->header, r->ns, (const xmlChar *)"error",
			    (const xmlChar *)r->message);
	xmlNewProp(e, (const xmlChar *)"type", (const xmlChar *)type);
}

/*
 * xs:dateTime carries an offset or none; a time without one names no
 * instant, so it is refused, as are Unix seconds, which are no
 * dateTime.  A fraction is reported so that a bound can round inwards.
 */
int fiap_time_parse(const char *s, int64_t *ts, bool *frac)
{
	const char *dot;

	*frac = false;
	if (!s || !strpbrk(s, "Tt") || core_time_parse(s, ts))
		return -1;
	dot = strchr(s, '.');
	if (dot)
		for (dot++; *dot >= '0' && *dot <= '9'; dot++)
			if (*dot != '0')
				*frac = true;
	return 0;
}

/* --- answers ---------------------------------------------------------- */

static void log_answer(const struct api_fiap *r, enum log_level level,
		       int status, const char *what, const char *msg)
{
	int n = msg ? (int)strcspn(msg, "\n") : 0;

	log_msg(level, MOD, "%s %s from %s: %d %s%s%.*s%s", r->method, r->url,
		r->client, status, what, msg ? ": " : "", n, msg ? msg : "",
		msg && msg[n] ? " (and more)" : "");
}

/* Queues doc (consumed) as the answer. */
static enum MHD_Result send_doc(struct api_fiap *r, int status,
				xmlDocPtr doc, bool unauthorized)
{
	struct MHD_Response *resp;
	xmlChar *text = NULL;
	enum MHD_Result ret;
	int len = 0;

	xmlDocDumpFormatMemoryEnc(doc, &text, &len, "UTF-8", 1);
	xmlFreeDoc(doc);
	if (!text)
		return MHD_NO;
	resp = MHD_create_response_from_buffer((size_t)len, text,
					       MHD_RESPMEM_MUST_COPY);
	xmlFree(text);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, XML_TYPE);
	if (status == 405)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "POST");
	if (unauthorized)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					"Bearer");
	if (r->retry_after) {
		char secs[16];

		snprintf(secs, sizeof secs, "%u", r->retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER,
					secs);
	}
	ret = MHD_queue_response(r->conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
	r->answered = true;
	return ret;
}

/* A new document holding Envelope and Body; *body is the Body. */
static xmlDocPtr envelope(xmlNodePtr *body, xmlNsPtr *soap)
{
	xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNodePtr env = xmlNewDocNode(doc, NULL,
				       (const xmlChar *)"Envelope", NULL);

	*soap = xmlNewNs(env, (const xmlChar *)SOAP11_NS,
			 (const xmlChar *)"soapenv");
	xmlSetNs(env, *soap);
	xmlDocSetRootElement(doc, env);
	*body = xmlNewChild(env, *soap, (const xmlChar *)"Body", NULL);
	return doc;
}

/*
 * Answers a SOAP 1.1 Fault.  code is Client, Server, VersionMismatch or
 * MustUnderstand; the message says what was wrong and where.
 */
static enum MHD_Result fault(struct api_fiap *r, int status,
			     const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static enum MHD_Result fault(struct api_fiap *r, int status,
			     const char *code, const char *fmt, ...)
{
	xmlNodePtr body, f;
	xmlNsPtr soap;
	xmlDocPtr doc = envelope(&body, &soap);
	char *text, *valid, *qname;
	va_list ap;

	va_start(ap, fmt);
	text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	valid = g_utf8_make_valid(text, -1);
	qname = g_strconcat("soapenv:", code, NULL);

	/* faultcode and faultstring are unqualified, as SOAP 1.1 has it;
	 * xmlNewChild would put them in their parent's namespace. */
	f = xmlNewChild(body, soap, (const xmlChar *)"Fault", NULL);
	xmlAddChild(f, xmlNewDocRawNode(doc, NULL, (const xmlChar *)"faultcode",
					(const xmlChar *)qname));
	xmlAddChild(f, xmlNewDocNode(doc, NULL, (const xmlChar *)"faultstring",
				     NULL));
	xmlNodeAddContent(f->last, (const xmlChar *)valid);
	log_answer(r, strcmp(code, "Server") ? LOG_WARN : LOG_ERROR, status,
		   "SOAP fault", valid);
	g_free(qname);
	g_free(valid);
	g_free(text);
	return send_doc(r, status, doc, status == 401);
}

/* --- the headers ------------------------------------------------------ */

static const char *header(const struct api_fiap *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

/* SOAP 1.1 is text/xml; plain XML and SOAP 1.2's type are taken too,
 * since the envelope, not the type, says which SOAP it is. */
static bool xml_type(const char *t)
{
	static const char *const types[] = {"text/xml", "application/xml",
					    "application/soap+xml"};
	size_t n = t ? strcspn(t, "; \t") : 0;

	for (size_t i = 0; t && i < G_N_ELEMENTS(types); i++)
		if (n == strlen(types[i]) && !strncasecmp(t, types[i], n))
			return true;
	return false;
}

/* "Bearer TOKEN" -> TOKEN, owned by the caller, or NULL. */
static char *bearer(const char *h)
{
	char *v;

	if (!h || strncasecmp(h, "Bearer", 6) || (h[6] != ' ' && h[6] != '\t'))
		return NULL;
	v = g_strstrip(g_strdup(h + 7));
	if (!*v) {
		g_free(v);
		return NULL;
	}
	return v;
}

/* A token, when one is sent, must be a device's. */
static enum MHD_Result check_token(struct api_fiap *r, bool *ok)
{
	const char *h = header(r, MHD_HTTP_HEADER_AUTHORIZATION);
	char *token = bearer(h);
	struct api_auth_refusal no;
	int rc;

	*ok = false;
	if (!h) {
		*ok = true;
		return MHD_YES;
	}

	/* The token, the device's rate and body limit (api_auth.h). */
	rc = api_auth_device(r->env->auth, token,
			     header(r, MHD_HTTP_HEADER_CONTENT_LENGTH),
			     &r->dev, &no);
	g_free(token);
	if (rc && !strcmp(no.code, "missing_token"))
		return fault(r, 401, "Client",
			     "the device token is not known to this server; "
			     "send it as 'Authorization: Bearer TOKEN'");
	if (rc) {
		r->retry_after = no.retry_after;
		return fault(r, no.status, no.status >= 500 ? "Server"
							    : "Client",
			     "%s", no.message);
	}
	r->src.device_id = r->dev.id;
	r->src.site_id = r->dev.site_id;
	r->has_token = true;
	/* A WRITE's place in the order of arrival is now, before its body
	 * has come and been parsed; a FETCH gives it back (dispatch()). */
	ingest_source_begin(&r->src, r->env->st);
	*ok = true;
	return MHD_YES;
}

/* GET or HEAD with a "wsdl" parameter, which toolkits send bare. */
static bool wants_wsdl(const struct api_fiap *r)
{
	const char *v;
	size_t n;

	if (strcmp(r->method, MHD_HTTP_METHOD_GET) &&
	    strcmp(r->method, MHD_HTTP_METHOD_HEAD))
		return false;
	return MHD_lookup_connection_value_n(r->conn, MHD_GET_ARGUMENT_KIND,
					     "wsdl", 4, &v, &n) == MHD_YES ||
	       MHD_lookup_connection_value_n(r->conn, MHD_GET_ARGUMENT_KIND,
					     "WSDL", 4, &v, &n) == MHD_YES;
}

/* The WSDL, its address the URL this request came to. */
static enum MHD_Result send_wsdl(struct api_fiap *r)
{
	const char *host = header(r, MHD_HTTP_HEADER_HOST);
	char *location = g_strdup_printf("http://%s%s",
					 host ? host : "localhost", r->url);
	xmlDocPtr doc = fiap_wsdl(location);

	g_free(location);
	if (!doc)
		return fault(r, 500, "Server", "out of memory for the WSDL");
	log_answer(r, LOG_DEBUG, 200, "WSDL", NULL);
	return send_doc(r, 200, doc, false);
}

enum MHD_Result api_fiap_begin(const struct api_fiap_env *env,
			       struct MHD_Connection *conn,
			       const char *method, const char *url,
			       const char *client, struct api_fiap **out)
{
	struct api_fiap *r = g_new0(struct api_fiap, 1);
	const char *type, *len;
	unsigned long long n;
	char *end;
	bool ok;

	*out = r;
	r->env = env;
	r->conn = conn;
	r->method = method;
	r->url = url;
	r->client = client;
	r->src.future_tolerance_s = env->future_tolerance_s;
	r->body = g_byte_array_new();

	if (wants_wsdl(r))
		return send_wsdl(r);
	if (strcmp(method, MHD_HTTP_METHOD_POST))
		return fault(r, 405, "Client",
			     "%s takes IEEE 1888 SOAP messages by POST, not "
			     "%s; GET %s?wsdl gives its WSDL", url, method,
			     url);

	type = header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (!xml_type(type))
		return fault(r, 415, "Client",
			     "Content-Type must be text/xml (SOAP 1.1), not "
			     "%s%.64s%s", type ? "\"" : "",
			     type ? type : "none", type ? "\"" : "");

	len = header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (len) {
		errno = 0;
		n = strtoull(len, &end, 10);
		if (errno || *end || n > env->max_body)
			return fault(r, 413, "Client",
				     "the body is %.32s bytes; this server "
				     "accepts at most %zu", len,
				     env->max_body);
	}
	return check_token(r, &ok);
}

/* --- the body ---------------------------------------------------------- */

/* The most body bytes this request may send: its device's limit, also
 * for a chunked body that declared no length. */
static size_t body_limit(const struct api_fiap *r)
{
	return r->has_token ? api_auth_body_limit(r->env->auth, &r->dev)
			    : r->env->max_body;
}

/* As in api.c: a body found too long is read on and dropped, and
 * finish answers 413; past twice the limit the connection is closed. */
enum MHD_Result api_fiap_receive(struct api_fiap *r, const char *data,
				 size_t *size)
{
	size_t n = *size, max = body_limit(r);

	*size = 0;
	if (r->answered)
		return MHD_YES;
	if (r->too_big || n > max - r->body->len) {
		r->too_big = true;
		r->dropped += n;
		return r->dropped > max ? MHD_NO : MHD_YES;
	}
	g_byte_array_append(r->body, (const guint8 *)data, (guint)n);
	return MHD_YES;
}

/*
 * SOAP 1.1 says a message must not hold a document type declaration;
 * refusing it as soon as it starts also keeps entity declarations, and
 * their expansion, out of the server.
 */
static void refuse_dtd(void *ctx, const xmlChar *name,
		       const xmlChar *external, const xmlChar *system)
{
	xmlParserCtxtPtr ctxt = ctx;

	*(bool *)ctxt->_private = true;
	xmlStopParser(ctxt);
}

/* Whether the len bytes of s start at p, before end. */
static bool starts(const char *p, const char *end, const char *s, size_t len)
{
	return (size_t)(end - p) >= len && !memcmp(p, s, len);
}

/* Skips from p to just past the end mark of a comment, CDATA section or
 * processing instruction; end when it has none. */
static const char *skip_past(const char *p, const char *end,
			     const char *mark)
{
	size_t len = strlen(mark);

	/* Not g_strstr_len, which would stop at a NUL in the comment. */
	for (; p < end; p++)
		if (starts(p, end, mark, len))
			return p + len;
	return end;
}

/*
 * The line of the first tag with more than MAX_ATTRS '=' outside its
 * quoted values, or 0.  Read as bytes: '<', '=', '>' and the quotes are
 * the same bytes in ASCII-based encodings and UTF-16, and are never
 * part of a multi-byte character of UTF-8, Shift_JIS or EUC-JP.
 */
static long crowded_tag(const GByteArray *b)
{
	const char *p = (const char *)b->data, *end = p + b->len;
	long line = 1, tag_line = 0;
	int attrs = 0;
	char quote = 0;

	for (; p < end; p++) {
		if (*p == '\n')
			line++;
		if (quote) {
			quote = *p == quote ? 0 : quote;
		} else if (!tag_line && *p == '<') {
			const char *mark = NULL, *to;

			if (starts(p, end, "<!--", 4))
				mark = "-->";
			else if (starts(p, end, "<![CDATA[", 9))
				mark = "]]>";
			else if (starts(p, end, "<?", 2))
				mark = "?>";
			if (mark) {
				to = skip_past(p, end, mark);
				for (; p < to; p++)
					line += *p == '\n';
				p--;
				continue;
			}
			tag_line = line;
			attrs = 0;
		} else if (tag_line && *p == '>') {
			tag_line = 0;
		} else if (tag_line && (*p == '"' || *p == '\'')) {
			quote = *p;
		} else if (tag_line && *p == '=' && ++attrs > MAX_ATTRS) {
			return tag_line;
		}
	}
	return 0;
}

/* Parses the body; NULL with err set when it is not well-formed XML. */
static xmlDocPtr parse_body(const GByteArray *b, char *err, size_t errlen)
{
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc = NULL;
	bool dtd = false;
	const xmlError *e;
	long crowded = crowded_tag(b);

	if (crowded) {
		snprintf(err, errlen, "line %ld: an element with more than %d "
			 "attributes; no FIAP element has more than 10",
			 crowded, MAX_ATTRS);
		return NULL;
	}
	ctxt = xmlNewParserCtxt();
	if (!ctxt) {
		snprintf(err, errlen, "out of memory for the XML parser");
		return NULL;
	}
	ctxt->_private = &dtd;
	ctxt->sax->internalSubset = refuse_dtd;

	/* Big lines: errors name lines past 65535 of a long WRITE. */
	doc = xmlCtxtReadMemory(ctxt, (const char *)b->data, (int)b->len,
				NULL, NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR |
				    XML_PARSE_NOWARNING | XML_PARSE_NOCDATA |
				    XML_PARSE_BIG_LINES);
	if (dtd) {
		xmlFreeDoc(doc);
		doc = NULL;
		snprintf(err, errlen, "the message holds a document type "
			 "declaration, which SOAP 1.1 does not allow");
	} else if (!doc) {
		e = xmlCtxtGetLastError(ctxt);
		snprintf(err, errlen, "the body is not well-formed XML: line "
			 "%d: %.*s", e ? e->line : 0,
			 e && e->message ? (int)strcspn(e->message, "\n") : 7,
			 e && e->message ? e->message : "unknown");
	}
	xmlFreeParserCtxt(ctxt);
	return doc;
}

static bool is_soap(xmlNodePtr n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns &&
	       !strcmp((const char *)n->ns->href, SOAP11_NS) &&
	       !strcmp((const char *)n->name, name);
}

/* The element children of n, one after the other. */
static xmlNodePtr next_element(xmlNodePtr n)
{
	while (n && n->type != XML_ELEMENT_NODE)
		n = n->next;
	return n;
}

static const char *ns_of(xmlNodePtr n)
{
	return n->ns ? (const char *)n->ns->href : "no namespace";
}

/* A header entry with mustUnderstand="1" is one akari cannot honour. */
static xmlNodePtr must_understand(xmlNodePtr hdr)
{
	for (xmlNodePtr e = next_element(hdr ? hdr->children : NULL); e;
	     e = next_element(e->next)) {
		xmlChar *v = xmlGetNsProp(e, (const xmlChar *)"mustUnderstand",
					  (const xmlChar *)SOAP11_NS);
		bool must = v && !strcmp((const char *)v, "1");

		xmlFree(v);
		if (must)
			return e;
	}
	return NULL;
}

/* Builds the dataRS or queryRS under body, down to its header. */
static void reply_init(struct fiap_reply *reply, xmlDocPtr doc,
		       xmlNodePtr body, bool data)
{
	xmlNodePtr rs = xmlNewChild(body, NULL,
				    (const xmlChar *)(data ? "dataRS"
							   : "queryRS"),
				    NULL);

	xmlSetNs(rs, xmlNewNs(rs, (const xmlChar *)FIAP_SOAP_NS,
			      (const xmlChar *)"ns2"));
	reply->doc = doc;
	reply->transport = xmlNewChild(rs, NULL, (const xmlChar *)"transport",
				       NULL);
	reply->ns = xmlNewNs(reply->transport, (const xmlChar *)FIAP_NS, NULL);
	xmlSetNs(reply->transport, reply->ns);
	reply->header = fiap_child(reply, reply->transport, "header");
}

/* A FIAP error is the sender's affair, but for the server's own. */
static enum log_level reply_level(const struct fiap_reply *reply)
{
	if (!reply->error)
		return LOG_DEBUG;
	return strcmp(reply->error, FIAP_SERVER_ERROR) ? LOG_WARN : LOG_ERROR;
}

/* Runs the operation of op and answers its RS. */
static enum MHD_Result operate(struct api_fiap *r, xmlNodePtr op,
			       bool data)
{
	struct fiap_reply reply = {0};
	xmlNodePtr body, transport, second;
	xmlNsPtr soap;
	xmlDocPtr doc = envelope(&body, &soap);
	char what[96];

	reply_init(&reply, doc, body, data);

	transport = next_element(op->children);
	second = transport ? next_element(transport->next) : NULL;
	if (!fiap_is(transport, "transport") || second)
		fiap_reply_error(&reply, FIAP_INVALID_REQUEST,
				 "%s must hold exactly one transport element "
				 "of %s", (const char *)op->name, FIAP_NS);
	else if (data)
		fiap_write(r->env, &r->src, transport, &reply);
	else
		fiap_query(r->env, transport, &reply);

	if (reply.error)
		snprintf(what, sizeof what, "%s error %s", op->name,
			 reply.error);
	else
		snprintf(what, sizeof what, "%s OK, %zu values", op->name,
			 reply.stored);
	log_answer(r, reply_level(&reply), 200, what, reply.message);
	g_free(reply.message);
	return send_doc(r, 200, doc, false);
}

/* Finds the operation in the envelope, or answers a fault. */
static enum MHD_Result dispatch(struct api_fiap *r, xmlDocPtr doc)
{
	xmlNodePtr root = xmlDocGetRootElement(doc), hdr = NULL, body, op;
	xmlNodePtr bad;

	if (root && root->ns && !strcmp(ns_of(root), SOAP12_NS))
		return fault(r, 500, "VersionMismatch",
			     "the envelope is SOAP 1.2; this endpoint speaks "
			     "SOAP 1.1 (%s)", SOAP11_NS);
	if (!is_soap(root, "Envelope"))
		return fault(r, 500, "Client",
			     "the document is no SOAP 1.1 envelope: its root "
			     "is <%s> of %s", root ? (const char *)root->name
						   : "nothing",
			     root ? ns_of(root) : "-");

	body = next_element(root->children);
	if (is_soap(body, "Header")) {
		hdr = body;
		body = next_element(body->next);
	}
	bad = must_understand(hdr);
	if (bad)
		return fault(r, 500, "MustUnderstand",
			     "header entry <%s> of %s must be understood, "
			     "and akari does not know it",
			     (const char *)bad->name, ns_of(bad));
	if (!is_soap(body, "Body"))
		return fault(r, 500, "Client",
			     "the envelope has no Body after its Header");

	op = next_element(body->children);
	if (!op)
		return fault(r, 500, "Client", "the SOAP Body is empty; send "
			     "dataRQ or queryRQ of %s", FIAP_SOAP_NS);
	if (next_element(op->next))
		return fault(r, 500, "Client", "the SOAP Body holds more than "
			     "one element; send one dataRQ or queryRQ");
	if (!op->ns || strcmp(ns_of(op), FIAP_SOAP_NS) ||
	    (strcmp((const char *)op->name, "dataRQ") &&
	     strcmp((const char *)op->name, "queryRQ")))
		return fault(r, 500, "Client",
			     "the SOAP Body holds <%s> of %s; this endpoint "
			     "takes dataRQ and queryRQ of %s",
			     (const char *)op->name, ns_of(op), FIAP_SOAP_NS);

	if (!strcmp((const char *)op->name, "dataRQ")) {
		if (!r->has_token)
			return fault(r, 401, "Client",
				     "writing takes a device token: send "
				     "'Authorization: Bearer TOKEN' (akari "
				     "device add prints it)");
		return operate(r, op, true);
	}
	ingest_source_end(&r->src, r->env->st);
	return operate(r, op, false);
}

enum MHD_Result api_fiap_finish(struct api_fiap *r)
{
	struct api_auth_refusal no;
	enum MHD_Result ret;
	char err[512];
	xmlDocPtr doc;

	if (r->answered)
		return MHD_YES;
	if (r->too_big)
		return fault(r, 413, "Client",
			     "the body is over %zu bytes, the most %s "
			     "accepts", body_limit(r),
			     r->has_token && r->dev.max_body
				 ? "this device's limit"
				 : "this server");
	if (!r->body->len)
		return fault(r, 500, "Client", "the body is empty; send a "
			     "SOAP 1.1 envelope");
	if (r->has_token &&
	    api_auth_verify(r->env->auth, &r->dev, r->conn, r->method, r->url,
			    r->body->data, r->body->len, &no))
		return fault(r, no.status, "Client", "%s", no.message);

	doc = parse_body(r->body, err, sizeof err);
	if (!doc)
		return fault(r, 500, "Client", "%s", err);
	ret = dispatch(r, doc);
	xmlFreeDoc(doc);
	return ret;
}

void api_fiap_free(struct api_fiap *r)
{
	if (!r)
		return;
	ingest_source_end(&r->src, r->env->st);
	g_byte_array_free(r->body, TRUE);
	g_free(r);
}
