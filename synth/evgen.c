/*
 * evgen.c - Segment-style event bodies: track, identify, page, screen, group
 * and alias events of an online shop's visitors, in a tiny form (the
 * smallest event the sink accepts) or a realistic one (properties, traits
 * and a full context), optionally grown to a target size, optionally broken
 * in one of the ways the sink rejects.
 *
 * This is the hot path of synth: bodies are written straight into a reused
 * buffer by small field writers, with no allocation and no printf.
 */
#include "synth_int.h"
#include "catalog.h"

#include <math.h>

#define SITE "https://shop.example.com"

enum page_kind {
    PG_HOME,
    PG_CATEGORY,
    PG_PRODUCT,
    PG_SEARCH,
    PG_CART,
    PG_CHECKOUT,
    PG_ACCOUNT,
    PG_LOGIN,
    PG_N
};

static const char *const page_names[PG_N] = {"Home", "Category", "Product", "Search",
                                             "Cart", "Checkout", "Account", "Sign In"};
static const char *const category_slugs[CAT_NCATEGORY] = {
    "shoes", "outdoor", "apparel", "electronics", "home", "kitchen", "accessories", "sports"};

enum track_kind {
    EV_PRODUCT_VIEWED,
    EV_PRODUCT_ADDED,
    EV_PRODUCTS_SEARCHED,
    EV_LIST_VIEWED,
    EV_CART_VIEWED,
    EV_CHECKOUT_STARTED,
    EV_ORDER_COMPLETED,
    EV_SIGNED_IN,
    EV_BUTTON_CLICKED,
    EV_VIDEO_STARTED,
    EV_N
};

static const struct {
    const char *name;
    int weight; /* of 100 */
    enum page_kind page;
} track_kinds[EV_N] = {
    {"Product Viewed", 30, PG_PRODUCT},   {"Product Added", 12, PG_PRODUCT},
    {"Products Searched", 10, PG_SEARCH}, {"Product List Viewed", 10, PG_CATEGORY},
    {"Cart Viewed", 8, PG_CART},          {"Checkout Started", 5, PG_CHECKOUT},
    {"Order Completed", 3, PG_CHECKOUT},  {"Signed In", 6, PG_LOGIN},
    {"Button Clicked", 12, PG_HOME},      {"Video Playback Started", 4, PG_PRODUCT},
};

/* What a mobile app calls the screen showing each page kind. */
static const char *const screen_names[PG_N] = {
    "Home", "Category List", "Product Detail", "Search", "Cart", "Checkout", "Settings", "Sign In"};
static const char *const button_labels[] = {"Add to Wishlist",   "Size Guide",   "Share",
                                            "Newsletter Signup", "Chat With Us", "Load More"};
static const char *const button_places[] = {"header", "product_card", "footer", "sidebar"};
static const char *const signin_methods[] = {"password", "google", "apple", "magic_link"};

static inline uint32_t mix32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

void evctx_init(struct evctx *e, const struct lt_synth_config *cfg, struct population *pop,
                uint64_t seed)
{
    int k = 0;

    memset(e, 0, sizeof(*e));
    e->cfg = cfg;
    e->pop = pop;
    e->seed = seed;
    e->origin_ns = cfg->origin_ns;
    e->ts_sec = INT64_MIN;
    lt_rng_seed(&e->rng, lt_splitmix64(seed ^ 0x6576656e7473ULL));
    for (int i = 0; i < EV_N; i++)
        for (int c = 0; c < track_kinds[i].weight && k < 100; c++)
            e->evpick[k++] = (uint8_t)i;
    while (k < 100)
        e->evpick[k++] = EV_PRODUCT_VIEWED;
}

/* ---- values ------------------------------------------------------------------- */

static void put_timestamp(struct evctx *e, struct jw *w, uint64_t ts_ns)
{
    int64_t abs = (int64_t)e->origin_ns + (int64_t)ts_ns;
    int64_t sec = abs / 1000000000, ms;
    char tail[6];

    if (abs % 1000000000 < 0)
        sec--;
    ms = (abs - sec * 1000000000) / 1000000;
    if (sec != e->ts_sec) {
        /* The date part changes once a second: format it then, and only
         * the milliseconds per event. */
        lt_format_iso8601(sec * 1000000000, 0, e->ts_prefix, sizeof(e->ts_prefix));
        e->ts_prefix[strlen(e->ts_prefix) - 1] = '\0'; /* drop the Z */
        e->ts_sec = sec;
    }
    jw_ch(w, '"');
    jw_str(w, e->ts_prefix);
    tail[0] = '.';
    tail[1] = (char)('0' + ms / 100);
    tail[2] = (char)('0' + ms / 10 % 10);
    tail[3] = (char)('0' + ms % 10);
    tail[4] = 'Z';
    tail[5] = '"';
    jw_mem(w, tail, 6);
}

static int tiny(const struct evctx *e, size_t target)
{
    return e->cfg->style == LT_SYNTH_STYLE_TINY || (target && target < 200);
}

static void put_user_id(struct evctx *e, struct jw *w, const struct session *s, int small)
{
    uint32_t id = mix32((uint32_t)s->user ^ (uint32_t)e->pop->seed);

    jw_ch(w, '"');
    if (small) {
        jw_ch(w, 'u');
        jw_b36(w, id);
    } else {
        jw_u64(w, 1000000000ULL + id % 9000000000ULL);
    }
    jw_ch(w, '"');
}

static void put_anonymous_id(struct jw *w, const struct session *s)
{
    jw_ch(w, '"');
    jw_uuid(w, s->device, lt_splitmix64(s->device));
    jw_ch(w, '"');
}

static void put_message_id(struct evctx *e, struct jw *w, uint64_t n, int small)
{
    jw_ch(w, '"');
    if (small) {
        /* Unique because both maps are bijections of the record number. */
        if (n < ((uint64_t)1 << 32)) {
            jw_b36(w, mix32((uint32_t)n ^ (uint32_t)e->seed));
        } else {
            jw_ch(w, 'x');
            jw_b36(w, lt_splitmix64(n ^ e->seed));
        }
    } else {
        uint64_t hi = lt_splitmix64(n ^ e->seed);
        jw_uuid(w, hi, lt_splitmix64(hi ^ 0x6d7367ULL));
    }
    jw_ch(w, '"');
}

static uint64_t product_hash(uint32_t k)
{
    return lt_splitmix64(0x70726f64ULL + k);
}

static void put_product_name(struct jw *w, uint32_t k)
{
    jw_str(w, cat_adjectives[k % CAT_NADJ]);
    jw_ch(w, ' ');
    jw_str(w, cat_nouns[(k / CAT_NADJ) % CAT_NNOUN]);
}

static uint64_t product_price(uint32_t k)
{
    return (product_hash(k) % 200) * 100 + 99; /* 0.99 .. 199.99 */
}

static void put_path(struct jw *w, int page, uint32_t product)
{
    switch (page) {
    case PG_HOME:
        jw_ch(w, '/');
        break;
    case PG_CATEGORY:
        JW_LIT(w, "/c/");
        jw_str(w, category_slugs[product_hash(product) % CAT_NCATEGORY]);
        break;
    case PG_PRODUCT:
        JW_LIT(w, "/products/p");
        jw_u64(w, 10000 + product);
        break;
    case PG_SEARCH: {
        const char *q = cat_queries[product % CAT_NQUERY];
        JW_LIT(w, "/search?q=");
        for (; *q; q++)
            jw_ch(w, *q == ' ' ? '+' : *q);
        break;
    }
    case PG_CART:
        JW_LIT(w, "/cart");
        break;
    case PG_CHECKOUT:
        JW_LIT(w, "/checkout");
        break;
    case PG_ACCOUNT:
        JW_LIT(w, "/account");
        break;
    default:
        JW_LIT(w, "/login");
        break;
    }
}

static void put_title(struct jw *w, int page, uint32_t product)
{
    jw_ch(w, '"');
    if (page == PG_PRODUCT) {
        put_product_name(w, product);
        JW_LIT(w, " | ");
    } else if (page == PG_CATEGORY) {
        jw_str(w, cat_categories[product_hash(product) % CAT_NCATEGORY]);
        JW_LIT(w, " | ");
    } else if (page != PG_HOME) {
        jw_str(w, page_names[page]);
        JW_LIT(w, " | ");
    }
    JW_LIT(w, "Example Shop\"");
}

static void put_referrer(struct jw *w, const struct session *s)
{
    jw_ch(w, '"');
    if (s->nevents == 0) {
        jw_str(w, cat_referrers[(s->device >> 8) % CAT_NREFERRER]);
    } else {
        JW_LIT(w, SITE);
        put_path(w, (int)s->prev_page, s->prev_product);
    }
    jw_ch(w, '"');
}

/* "properties" of a product: id, sku, name, brand, category, price. */
static void put_product(struct jw *w, uint32_t k, int quantity)
{
    uint64_t h = product_hash(k);

    JW_LIT(w, "\"product_id\":\"p");
    jw_u64(w, 10000 + k);
    JW_LIT(w, "\",\"sku\":\"SKU-");
    jw_u64(w, 100000 + k);
    JW_LIT(w, "\",\"name\":\"");
    put_product_name(w, k);
    JW_LIT(w, "\",\"brand\":\"");
    jw_str(w, cat_brands[(h >> 8) % CAT_NBRAND]);
    JW_LIT(w, "\",\"category\":\"");
    jw_str(w, cat_categories[h % CAT_NCATEGORY]);
    JW_LIT(w, "\",\"price\":");
    jw_cents(w, product_price(k));
    if (quantity) {
        JW_LIT(w, ",\"quantity\":");
        jw_u64(w, (uint64_t)quantity);
    }
}

static void put_track_props(struct evctx *e, struct jw *w, int ev, const struct session *s)
{
    struct lt_rng *r = &e->rng;

    switch (ev) {
    case EV_PRODUCT_VIEWED:
    case EV_PRODUCT_ADDED:
        put_product(w, s->product, ev == EV_PRODUCT_ADDED ? 1 + (int)lt_rng_below(r, 2) : 0);
        JW_LIT(w, ",\"currency\":\"USD\",\"url\":\"" SITE);
        put_path(w, PG_PRODUCT, s->product);
        jw_ch(w, '"');
        break;
    case EV_PRODUCTS_SEARCHED:
        JW_LIT(w, "\"query\":\"");
        jw_str(w, cat_queries[s->product % CAT_NQUERY]);
        JW_LIT(w, "\",\"results\":");
        jw_u64(w, lt_rng_below(r, 120));
        break;
    case EV_LIST_VIEWED: {
        uint64_t h = product_hash(s->product);
        JW_LIT(w, "\"list_id\":\"");
        jw_str(w, category_slugs[h % CAT_NCATEGORY]);
        JW_LIT(w, "\",\"category\":\"");
        jw_str(w, cat_categories[h % CAT_NCATEGORY]);
        JW_LIT(w, "\",\"products\":[");
        for (uint32_t i = 0; i < 3; i++) {
            uint32_t k = (s->product + i * 37) % NPRODUCTS;
            JW_LIT(w, "{\"product_id\":\"p");
            jw_u64(w, 10000 + k);
            JW_LIT(w, "\",\"price\":");
            jw_cents(w, product_price(k));
            JW_LIT(w, ",\"position\":");
            jw_u64(w, i + 1);
            jw_ch(w, '}');
            if (i < 2)
                jw_ch(w, ',');
        }
        jw_ch(w, ']');
        break;
    }
    case EV_CART_VIEWED:
    case EV_CHECKOUT_STARTED:
    case EV_ORDER_COMPLETED: {
        uint64_t n = 1 + lt_rng_below(r, 3), total = 0;
        jw_str(w, ev == EV_CART_VIEWED ? "\"cart_id\":\"" : "\"order_id\":\"");
        jw_hex(w, lt_splitmix64(s->id ^ e->seed), 12);
        JW_LIT(w, "\",\"products\":[");
        for (uint64_t i = 0; i < n; i++) {
            uint32_t k = (uint32_t)((s->product + i * 101) % NPRODUCTS);
            total += product_price(k);
            jw_ch(w, '{');
            put_product(w, k, 1);
            jw_ch(w, '}');
            if (i + 1 < n)
                jw_ch(w, ',');
        }
        JW_LIT(w, "],\"value\":");
        jw_cents(w, total);
        if (ev != EV_CART_VIEWED) {
            JW_LIT(w, ",\"revenue\":");
            jw_cents(w, total);
            JW_LIT(w, ",\"shipping\":");
            jw_cents(w, total >= 5000 ? 0 : 599);
            JW_LIT(w, ",\"tax\":");
            jw_cents(w, total * 8 / 100);
        }
        JW_LIT(w, ",\"currency\":\"USD\"");
        break;
    }
    case EV_SIGNED_IN:
        JW_LIT(w, "\"method\":\"");
        jw_str(w, signin_methods[(s->device >> 4) % 4]);
        jw_ch(w, '"');
        break;
    case EV_BUTTON_CLICKED:
        JW_LIT(w, "\"label\":\"");
        jw_str(w, button_labels[lt_rng_below(r, 6)]);
        JW_LIT(w, "\",\"location\":\"");
        jw_str(w, button_places[lt_rng_below(r, 4)]);
        jw_ch(w, '"');
        break;
    default:
        JW_LIT(w, "\"video_id\":\"v");
        jw_u64(w, 500 + s->product % 97);
        JW_LIT(w, "\",\"position\":0,\"total_length\":");
        jw_u64(w, 30 + product_hash(s->product) % 600);
        JW_LIT(w, ",\"sound\":");
        jw_u64(w, lt_rng_below(r, 101));
        JW_LIT(w, ",\"full_screen\":false");
        break;
    }
}

static void put_traits(struct evctx *e, struct jw *w, const struct session *s)
{
    uint64_t h = user_hash(e->pop, s->user);
    const char *first = cat_first[h % CAT_NFIRST], *last = cat_last[(h >> 8) % CAT_NLAST];
    unsigned city = (unsigned)((h >> 16) % CAT_NCITY);
    char lower[32];
    size_t i;

    JW_LIT(w, "\"email\":\"");
    for (i = 0; first[i] && i < sizeof(lower) - 1; i++)
        lower[i] = (char)(first[i] | 0x20);
    jw_mem(w, lower, i);
    jw_ch(w, '.');
    for (i = 0; last[i] && i < sizeof(lower) - 1; i++)
        lower[i] = (char)(last[i] | 0x20);
    jw_mem(w, lower, i);
    jw_u64(w, (h >> 24) % 1000);
    JW_LIT(w, "@example.com\",\"name\":\"");
    jw_str(w, first);
    jw_ch(w, ' ');
    jw_str(w, last);
    JW_LIT(w, "\",\"firstName\":\"");
    jw_str(w, first);
    JW_LIT(w, "\",\"lastName\":\"");
    jw_str(w, last);
    JW_LIT(w, "\",\"plan\":\"");
    jw_str(w, cat_plans[(h >> 32) % CAT_NPLAN]);
    JW_LIT(w, "\",\"createdAt\":\"202");
    jw_ch(w, (char)('3' + (h >> 36) % 3));
    jw_ch(w, '-');
    jw_ch(w, (char)('0' + ((h >> 40) % 12 + 1) / 10));
    jw_ch(w, (char)('0' + ((h >> 40) % 12 + 1) % 10));
    JW_LIT(w, "-1");
    jw_ch(w, (char)('0' + (h >> 44) % 10));
    JW_LIT(w, "T08:15:00.000Z\",\"logins\":");
    jw_u64(w, 1 + (h >> 48) % 300 + s->nevents);
    JW_LIT(w, ",\"address\":{\"city\":\"");
    jw_str(w, cat_cities[city]);
    JW_LIT(w, "\",\"country\":\"");
    jw_str(w, cat_countries[city]);
    JW_LIT(w, "\"}");
}

static void put_context(struct evctx *e, struct jw *w, const struct session *s, int page,
                        uint32_t product)
{
    uint64_t h = user_hash(e->pop, s->user);
    unsigned city = (unsigned)((h >> 16) % CAT_NCITY);
    size_t ualen;
    const char *ua = event_user_agent(s, &ualen);

    if (e->bad_context) {
        JW_LIT(w, ",\"context\":\"[object Object]\"");
        return;
    }
    switch (s->platform) {
    case PLAT_IOS:
        JW_LIT(w, ",\"context\":{\"library\":{\"name\":\"analytics-ios\",\"version\":\"4.1.8\"},"
                  "\"app\":{\"name\":\"Example Shop\",\"version\":\"5.2.1\",\"build\":\"521\"},"
                  "\"os\":{\"name\":\"iOS\",\"version\":\"18.1\"}");
        break;
    case PLAT_ANDROID:
        JW_LIT(w,
               ",\"context\":{\"library\":{\"name\":\"analytics-android\",\"version\":\"4.11."
               "3\"},\"app\":{\"name\":\"Example Shop\",\"version\":\"5.2.1\",\"build\":\"521\"},"
               "\"os\":{\"name\":\"Android\",\"version\":\"14\"}");
        break;
    default:
        JW_LIT(w, ",\"context\":{\"library\":{\"name\":\"analytics.js\",\"version\":\"4.1.0\"}");
        break;
    }
    JW_LIT(w, ",\"page\":{\"path\":\"");
    put_path(w, page, product);
    JW_LIT(w, "\",\"url\":\"" SITE);
    put_path(w, page, product);
    JW_LIT(w, "\",\"referrer\":");
    put_referrer(w, s);
    JW_LIT(w, ",\"title\":");
    put_title(w, page, product);
    JW_LIT(w, "},\"userAgent\":\"");
    jw_mem(w, ua, ualen);
    /* Documentation address blocks (RFC 5737): realistic, and nobody's. */
    JW_LIT(w, "\",\"ip\":\"");
    jw_str(w, (h >> 40) % 3 == 0 ? "192.0.2." : (h >> 40) % 3 == 1 ? "198.51.100." : "203.0.113.");
    jw_u64(w, 1 + (s->device >> 24) % 254);
    JW_LIT(w, "\",\"locale\":\"");
    jw_str(w, cat_locales[city]);
    JW_LIT(w, "\",\"timezone\":\"");
    jw_str(w, cat_timezones[city]);
    JW_LIT(w, "\"}");
}

const char *event_user_agent(const struct session *s, size_t *len)
{
    const char *ua;

    if (s->platform == PLAT_IOS)
        ua = cat_user_agents_ios[(s->device >> 12) % CAT_NUA_APP];
    else if (s->platform == PLAT_ANDROID)
        ua = cat_user_agents_android[(s->device >> 12) % CAT_NUA_APP];
    else
        ua = cat_user_agents_web[(s->device >> 12) % CAT_NUA_WEB];
    *len = strlen(ua);
    return ua;
}

/* ---- one event ------------------------------------------------------------------ */

static const char *const type_json[LT_SYNTH_NTYPES] = {
    "{\"type\":\"track\"",  "{\"type\":\"identify\"", "{\"type\":\"page\"",
    "{\"type\":\"screen\"", "{\"type\":\"group\"",    "{\"type\":\"alias\""};

/* Where the visitor is for this event; moves the session along. */
static void plan_page(struct evctx *e, struct session *s, int t, int ev, int *page)
{
    s->prev_page = s->page;
    s->prev_product = s->product;
    if (t == LT_SYNTH_TRACK) {
        *page = (int)track_kinds[ev].page;
        if (ev == EV_BUTTON_CLICKED)
            *page = (int)s->page;
    } else if (t == LT_SYNTH_PAGE || t == LT_SYNTH_SCREEN) {
        /* Browsing: mostly products and categories, from where one is. */
        static const uint8_t next[10] = {PG_PRODUCT,  PG_PRODUCT, PG_PRODUCT, PG_CATEGORY,
                                         PG_CATEGORY, PG_HOME,    PG_SEARCH,  PG_CART,
                                         PG_ACCOUNT,  PG_PRODUCT};
        *page = next[lt_rng_below(&e->rng, 10)];
        if (*page == PG_PRODUCT || *page == PG_SEARCH)
            s->product = (uint32_t)zipf_draw(&e->pop->products, &e->rng);
    } else if (t == LT_SYNTH_IDENTIFY) {
        *page = s->nevents == 0 ? PG_LOGIN : (int)s->page;
    } else {
        *page = PG_ACCOUNT;
    }
    if (t == LT_SYNTH_TRACK && ev == EV_PRODUCT_VIEWED && lt_rng_below(&e->rng, 3) == 0)
        s->product = (uint32_t)zipf_draw(&e->pop->products, &e->rng);
    s->page = (uint32_t)*page;
}

/* Writes the "properties"/"traits" object body (without braces). */
static void put_props(struct evctx *e, struct jw *w, int t, int ev, int page, struct session *s)
{
    switch (t) {
    case LT_SYNTH_TRACK:
        put_track_props(e, w, ev, s);
        break;
    case LT_SYNTH_IDENTIFY:
        put_traits(e, w, s);
        break;
    case LT_SYNTH_PAGE:
        JW_LIT(w, "\"path\":\"");
        put_path(w, page, s->product);
        JW_LIT(w, "\",\"url\":\"" SITE);
        put_path(w, page, s->product);
        JW_LIT(w, "\",\"title\":");
        put_title(w, page, s->product);
        JW_LIT(w, ",\"referrer\":");
        put_referrer(w, s);
        break;
    case LT_SYNTH_SCREEN:
        if (page == PG_PRODUCT) {
            put_product(w, s->product, 0);
        } else {
            JW_LIT(w, "\"from\":\"");
            jw_str(w, page_names[s->prev_page % PG_N]);
            jw_ch(w, '"');
        }
        break;
    case LT_SYNTH_GROUP: {
        uint64_t h = user_hash(e->pop, s->user) >> 5;
        JW_LIT(w, "\"name\":\"");
        jw_str(w, cat_companies[h % CAT_NCOMPANY]);
        JW_LIT(w, "\",\"industry\":\"");
        jw_str(w, cat_industries[(h >> 8) % CAT_NINDUSTRY]);
        JW_LIT(w, "\",\"employees\":");
        jw_u64(w, 5 + (h >> 16) % 5000);
        JW_LIT(w, ",\"plan\":\"");
        jw_str(w, cat_plans[(h >> 32) % CAT_NPLAN]);
        jw_ch(w, '"');
        break;
    }
    default:
        break;
    }
}

/* Fills [w->p, ...) with n bytes of plain words (n >= 0). */
static void put_filler(struct evctx *e, struct jw *w, size_t n)
{
    size_t llen = strlen(cat_lorem), off = (size_t)lt_rng_below(&e->rng, llen);

    while (n > 0 && !w->overflow) {
        size_t k = llen - off < n ? llen - off : n;
        jw_mem(w, cat_lorem + off, k);
        n -= k;
        off = 0;
    }
}

/*
 * Breaks a finished event in the way asked for. Bodies start with the type
 * field ({"type":"...",) so missing and unknown types are edits of that
 * prefix; a track's event name is the field after it.
 */
static void break_event(struct evctx *e, struct jw *w, char *start, int t, int invalid)
{
    size_t len = (size_t)(w->p - start), cut;
    size_t tlen = strlen(type_json[t]);

    switch (invalid) {
    case LT_SYNTH_MALFORMED_JSON:
        /* A body cut short, as a client that dies mid-send leaves it: no
         * proper prefix of an object is valid JSON. */
        cut = len / 2 + (size_t)lt_rng_below(&e->rng, len - len / 2);
        w->p = start + (cut < len ? cut : len - 1);
        break;
    case LT_SYNTH_MISSING_TYPE:
        /* {"type":"x","rest  ->  {"rest */
        memmove(start + 1, start + tlen + 1, len - tlen - 1);
        w->p -= tlen;
        break;
    case LT_SYNTH_UNKNOWN_TYPE: {
        static const char *const bogus[] = {"{\"type\":\"purchase\"", "{\"type\":\"pageview\"",
                                            "{\"type\":\"click\"", "{\"type\":\"event\""};
        const char *b = bogus[lt_rng_below(&e->rng, 4)];
        size_t blen = strlen(b);
        if (w->end - w->p < (ptrdiff_t)blen) {
            w->overflow = 1;
            return;
        }
        memmove(start + blen, start + tlen, len - tlen);
        memcpy(start, b, blen);
        w->p = start + len - tlen + blen;
        break;
    }
    case LT_SYNTH_TRACK_WITHOUT_EVENT: {
        /* {"type":"track","event":"Name","rest  ->  {"type":"track","rest */
        char *ev = start + tlen, *q;
        if (len < tlen + 10 || memcmp(ev, ",\"event\":\"", 10) != 0)
            return;
        q = memchr(ev + 10, '"', (size_t)(w->p - (ev + 10)));
        if (!q)
            return;
        memmove(ev, q + 1, (size_t)(w->p - (q + 1)));
        w->p -= (q + 1) - ev;
        break;
    }
    default:
        break; /* wrong field types are written so (bad_context) */
    }
}

int event_write(struct evctx *e, struct jw *w, int t, struct session *s, uint64_t ts_ns, uint64_t n,
                size_t target, int invalid)
{
    char *start = w->p, *mark;
    int small = tiny(e, target), ev = 0, page = 0, realistic = !small;
    size_t len;

    if (invalid == LT_SYNTH_TRACK_WITHOUT_EVENT)
        t = LT_SYNTH_TRACK;
    e->bad_context = invalid == LT_SYNTH_WRONG_FIELD_TYPE;
    if (t == LT_SYNTH_TRACK)
        ev = e->evpick[lt_rng_below(&e->rng, 100)];
    plan_page(e, s, t, ev, &page);

    /* Required fields first: type, the event's name, who. */
    jw_str(w, type_json[t]);
    if (t == LT_SYNTH_TRACK) {
        JW_LIT(w, ",\"event\":\"");
        jw_str(w, small ? cat_tiny_events[ev % CAT_NTINY] : track_kinds[ev].name);
        jw_ch(w, '"');
    } else if ((t == LT_SYNTH_PAGE || t == LT_SYNTH_SCREEN) && realistic) {
        JW_LIT(w, ",\"name\":\"");
        jw_str(w, t == LT_SYNTH_PAGE ? page_names[page] : screen_names[page]);
        jw_ch(w, '"');
    }
    if (t == LT_SYNTH_IDENTIFY || t == LT_SYNTH_ALIAS)
        s->identified = 1;
    if (small || s->identified) {
        JW_LIT(w, ",\"userId\":");
        put_user_id(e, w, s, small);
    }
    if (realistic) {
        jw_str(w, t == LT_SYNTH_ALIAS ? ",\"previousId\":" : ",\"anonymousId\":");
        put_anonymous_id(w, s);
    }
    if (t == LT_SYNTH_GROUP) {
        mark = w->p;
        JW_LIT(w, ",\"groupId\":\"g");
        jw_u64(w, 100 + (user_hash(e->pop, s->user) >> 5) % CAT_NCOMPANY);
        jw_ch(w, '"');
        if (target && (size_t)(w->p - start) + 1 > target)
            w->p = mark;
    }

    /* Optional fields; with a target size each goes in only if it fits. */
    mark = w->p;
    JW_LIT(w, ",\"messageId\":");
    put_message_id(e, w, n, small);
    if (target && (size_t)(w->p - start) + 1 > target)
        w->p = mark;
    if (realistic || target) {
        mark = w->p;
        JW_LIT(w, ",\"timestamp\":");
        put_timestamp(e, w, ts_ns);
        if (target && (size_t)(w->p - start) + 1 > target)
            w->p = mark;
    }
    if (realistic || e->bad_context) {
        mark = w->p;
        if (realistic)
            put_context(e, w, s, page, s->product);
        else
            JW_LIT(w, ",\"context\":\"[object Object]\"");
        if (target && (size_t)(w->p - start) + 1 > target && !e->bad_context)
            w->p = mark;
    }
    if (t != LT_SYNTH_ALIAS && (realistic || target)) {
        size_t before, room;
        int any;
        mark = w->p;
        jw_str(w, t == LT_SYNTH_IDENTIFY || t == LT_SYNTH_GROUP ? ",\"traits\":{"
                                                                : ",\"properties\":{");
        before = (size_t)(w->p - start);
        if (realistic)
            put_props(e, w, t, ev, page, s);
        if (target && (size_t)(w->p - start) + 2 > target)
            w->p = start + before;
        any = (size_t)(w->p - start) > before;
        /* Grow to the target with a description: ,"description":"..." */
        if (target) {
            len = (size_t)(w->p - start) + 2;
            room = target > len ? target - len : 0;
            if (room >= 17u + (any ? 1u : 0u)) {
                if (any)
                    jw_ch(w, ',');
                JW_LIT(w, "\"description\":\"");
                put_filler(e, w, room - 16 - (any ? 1u : 0u));
                jw_ch(w, '"');
                any = 1;
            }
        }
        jw_ch(w, '}');
        /* With a target, no empty object: spaces fill a small gap better. */
        if (target && (!any || (size_t)(w->p - start) + 1 > target))
            w->p = mark;
    }
    /* The last few bytes: spaces, which JSON allows before the brace. */
    len = (size_t)(w->p - start) + 1;
    for (; target && len < target && !w->overflow; len++)
        jw_ch(w, ' ');
    jw_ch(w, '}');
    if (invalid >= 0 && invalid != LT_SYNTH_WRONG_FIELD_TYPE)
        break_event(e, w, start, t, invalid);
    e->bad_context = 0;
    return t;
}
