/* catalog.h - word lists behind synthetic events (see catalog.c). */
#ifndef SYNTH_CATALOG_H
#define SYNTH_CATALOG_H

#define CAT_NADJ 25
#define CAT_NNOUN 40
#define CAT_NCATEGORY 8
#define CAT_NBRAND 10
#define CAT_NFIRST 32
#define CAT_NLAST 32
#define CAT_NCITY 16
#define CAT_NPLAN 6
#define CAT_NCOMPANY 12
#define CAT_NINDUSTRY 6
#define CAT_NREFERRER 10
#define CAT_NQUERY 12
#define CAT_NTINY 8
#define CAT_NUA_WEB 8
#define CAT_NUA_APP 4

extern const char *const cat_adjectives[CAT_NADJ];
extern const char *const cat_nouns[CAT_NNOUN];
extern const char *const cat_categories[CAT_NCATEGORY];
extern const char *const cat_brands[CAT_NBRAND];
extern const char *const cat_first[CAT_NFIRST];
extern const char *const cat_last[CAT_NLAST];
extern const char *const cat_cities[CAT_NCITY];
extern const char *const cat_countries[CAT_NCITY];
extern const char *const cat_locales[CAT_NCITY];
extern const char *const cat_timezones[CAT_NCITY];
extern const char *const cat_plans[CAT_NPLAN];
extern const char *const cat_companies[CAT_NCOMPANY];
extern const char *const cat_industries[CAT_NINDUSTRY];
extern const char *const cat_referrers[CAT_NREFERRER];
extern const char *const cat_queries[CAT_NQUERY];
extern const char *const cat_tiny_events[CAT_NTINY];
extern const char *const cat_user_agents_web[CAT_NUA_WEB];
extern const char *const cat_user_agents_ios[CAT_NUA_APP];
extern const char *const cat_user_agents_android[CAT_NUA_APP];
extern const char *const cat_lorem;

#endif
