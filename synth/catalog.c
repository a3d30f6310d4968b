/*
 * catalog.c - the vocabulary of synthetic analytics traffic: an online shop's
 * products, pages, track events and their properties, people's names,
 * browsers and SDKs. Plain ASCII without quotes or backslashes, so the
 * writers can copy it into JSON as is.
 */
#include "catalog.h"

const char *const cat_adjectives[CAT_NADJ] = {
    "Trail",    "Classic", "Urban",  "Alpine",  "Coastal", "Nordic", "Retro",  "Summit", "Vintage",
    "Everyday", "Pro",     "Canyon", "Harbor",  "Meadow",  "Sierra", "Arctic", "Desert", "Metro",
    "Prairie",  "Island",  "Cedar",  "Granite", "Lunar",   "Solar",  "Willow"};
const char *const cat_nouns[CAT_NNOUN] = {
    "Runner",     "Backpack", "Jacket",  "Sneaker",    "Water Bottle", "Headphones", "Watch",
    "Hoodie",     "Tent",     "Lantern", "Mug",        "Notebook",     "Desk Lamp",  "Keyboard",
    "Sunglasses", "Beanie",   "Duffel",  "Blender",    "Speaker",      "Chair",      "Scarf",
    "Wallet",     "Socks",    "Kettle",  "Camera",     "Tripod",       "Umbrella",   "Sandals",
    "Gloves",     "Poster",   "Pillow",  "Skillet",    "Yoga Mat",     "Jersey",     "Cap",
    "Planter",    "Candle",   "Charger", "Bike Light", "Thermos"};
const char *const cat_categories[CAT_NCATEGORY] = {"Shoes", "Outdoor", "Apparel",     "Electronics",
                                                   "Home",  "Kitchen", "Accessories", "Sports"};
const char *const cat_brands[CAT_NBRAND] = {"Northwind", "Acme",    "Fabrikam",  "Contoso",
                                            "Tailspin",  "Litware", "Proseware", "Adventure Works",
                                            "Woodgrove", "Wingtip"};
const char *const cat_first[CAT_NFIRST] = {
    "Olivia", "Liam",  "Emma",  "Noah",   "Amelia",   "Oliver", "Ava",   "Elijah",
    "Sophia", "Mateo", "Mia",   "Lucas",  "Isabella", "Levi",   "Aria",  "Ethan",
    "Chloe",  "Hiro",  "Priya", "Omar",   "Fatima",   "Wei",    "Yuki",  "Carlos",
    "Ingrid", "Kwame", "Zara",  "Anders", "Lena",     "Ravi",   "Sofia", "Diego"};
const char *const cat_last[CAT_NLAST] = {
    "Smith",  "Johnson", "Garcia", "Miller", "Davis",  "Rodriguez", "Martinez", "Lee",
    "Walker", "Hall",    "Young",  "King",   "Wright", "Lopez",     "Hill",     "Scott",
    "Nguyen", "Patel",   "Kim",    "Tanaka", "Okafor", "Schmidt",   "Rossi",    "Dubois",
    "Silva",  "Novak",   "Larsen", "Haddad", "Chen",   "Kowalski",  "Mendes",   "Ivanova"};
const char *const cat_cities[CAT_NCITY] = {
    "San Francisco", "New York", "Austin", "Chicago", "Seattle", "Denver", "Boston",    "Portland",
    "Atlanta",       "Toronto",  "London", "Berlin",  "Paris",   "Madrid", "Amsterdam", "Sydney"};
const char *const cat_countries[CAT_NCITY] = {"US", "US", "US", "US", "US", "US", "US", "US",
                                              "US", "CA", "GB", "DE", "FR", "ES", "NL", "AU"};
const char *const cat_locales[CAT_NCITY] = {"en-US", "en-US", "en-US", "en-US", "en-US", "en-US",
                                            "en-US", "en-US", "en-US", "en-CA", "en-GB", "de-DE",
                                            "fr-FR", "es-ES", "nl-NL", "en-AU"};
const char *const cat_timezones[CAT_NCITY] = {
    "America/Los_Angeles", "America/New_York", "America/Chicago",  "America/Chicago",
    "America/Los_Angeles", "America/Denver",   "America/New_York", "America/Los_Angeles",
    "America/New_York",    "America/Toronto",  "Europe/London",    "Europe/Berlin",
    "Europe/Paris",        "Europe/Madrid",    "Europe/Amsterdam", "Australia/Sydney"};
const char *const cat_plans[CAT_NPLAN] = {"free", "free", "free", "starter", "pro", "enterprise"};
const char *const cat_companies[CAT_NCOMPANY] = {"Initech",
                                                 "Globex",
                                                 "Umbrella Corp",
                                                 "Hooli",
                                                 "Vandelay Industries",
                                                 "Stark Labs",
                                                 "Wayne Enterprises",
                                                 "Soylent",
                                                 "Cyberdyne",
                                                 "Massive Dynamic",
                                                 "Pied Piper",
                                                 "Aperture"};
const char *const cat_industries[CAT_NINDUSTRY] = {"Retail",     "Software", "Finance",
                                                   "Healthcare", "Media",    "Education"};
const char *const cat_referrers[CAT_NREFERRER] = {"https://www.google.com/",
                                                  "https://www.google.com/",
                                                  "https://www.bing.com/",
                                                  "https://duckduckgo.com/",
                                                  "https://t.co/",
                                                  "https://www.facebook.com/",
                                                  "https://www.instagram.com/",
                                                  "https://news.ycombinator.com/",
                                                  "https://mail.example.net/",
                                                  ""};
const char *const cat_queries[CAT_NQUERY] = {
    "running shoes",       "waterproof jacket", "gift ideas",    "headphones wireless",
    "tent 2 person",       "coffee mug",        "sale",          "yoga mat",
    "mechanical keyboard", "backpack 30l",      "winter gloves", "bike light usb"};
/* At most 4 letters: the smallest bodies must stay near 50 B. */
const char *const cat_tiny_events[CAT_NTINY] = {"tap", "view", "open", "play",
                                                "add", "buy",  "like", "seen"};
const char *const cat_user_agents_web[CAT_NUA_WEB] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 "
    "Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"};
const char *const cat_user_agents_ios[CAT_NUA_APP] = {
    "ExampleShop/5.2.1 (iPhone; iOS 18.1; Scale/3.00)",
    "ExampleShop/5.2.1 (iPhone; iOS 17.6; Scale/3.00)",
    "ExampleShop/5.1.0 (iPad; iOS 18.0; Scale/2.00)",
    "ExampleShop/5.2.0 (iPhone; iOS 16.7; Scale/2.00)"};
const char *const cat_user_agents_android[CAT_NUA_APP] = {
    "Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/AP2A.240805.005)",
    "Dalvik/2.1.0 (Linux; U; Android 14; SM-S921B Build/UP1A.231005.007)",
    "Dalvik/2.1.0 (Linux; U; Android 13; moto g 5G Build/T1TPN33.58-21)",
    "Dalvik/2.1.0 (Linux; U; Android 15; Pixel 7a Build/AP3A.241105.007)"};
const char *const cat_lorem =
    "the quick brown fox jumps over the lazy dog while customers browse new arrivals and "
    "compare prices across colors and sizes before adding a favourite item to the cart "
    "shipping is free on orders over fifty dollars and returns are accepted within thirty "
    "days of delivery for a full refund to the original payment method please keep the "
    "receipt and the original packaging our support team answers questions every day from "
    "nine to five and most orders leave the warehouse within one business day ";
