//! Names and addresses the seeded companies are made of.

pub(super) const CUSTOMER_NAMES: &[&str] = &[
    "Adatum Corporation",
    "Trey Research",
    "School of Fine Art",
    "Alpine Ski House",
    "Relecloud",
    "Coho Winery",
    "Fabrikam Residences",
    "Contoso Pharmaceuticals",
    "Litware, Inc.",
    "Northwind Traders",
    "Tailspin Toys",
    "Wide World Importers",
    "Woodgrove Bank",
    "Proseware, Inc.",
    "Lucerne Publishing",
    "Margie's Travel",
    "Blue Yonder Airlines",
    "City Power & Light",
    "Consolidated Messenger",
    "Graphic Design Institute",
    "Humongous Insurance",
    "Lamna Healthcare Company",
    "Munson's Pickles and Preserves Farm",
    "Nod Publishers",
    "Southridge Video",
    "VanArsdel, Ltd.",
    "Wingtip Toys",
    "World Wide Importers Outlet",
    "Fourth Coffee",
    "First Up Consultants",
    "Bellows College",
    "Best For You Organics Company",
    "Datum Home Furnishings",
    "Happy Paws Pet Supplies",
    "Coffee Corner Roasters",
    "Green Valley Hardware",
    "Harbor View Marine",
    "Lakeside Dental Clinic",
    "Maple Street Bakery",
    "Mountain Peak Outfitters",
    "Northern Lights Electric",
    "Oakridge Construction",
    "Pacific Coast Seafood",
    "Prairie Wind Farms",
    "Redwood Office Supply",
    "Silver Lake Studios",
    "Summit Engineering Group",
    "Sunrise Senior Living",
    "Twin Rivers Logistics",
    "Urban Loft Interiors",
];

pub(super) const CRM_ONLY_NAMES: &[&str] = &[
    "A. Datum Labs",
    "Aventure Cycles",
    "Baker & Sons Plumbing",
    "Bluebird Daycare",
    "Cascade Gardens",
    "Clearwater Analytics Partners",
    "Crestview Apartments",
    "Desert Rose Boutique",
    "Eagle Eye Security",
    "Evergreen Landscaping",
    "Fairview Veterinary",
    "Foxglove Florists",
    "Golden Gate Catering",
    "Granite State Movers",
    "Highland Brewing Co.",
    "Horizon Travel Agency",
    "Ironwood Fitness",
    "Juniper Software",
    "Keystone Legal Services",
    "Lighthouse Books",
    "Meadowbrook Farms Supply",
    "Midtown Auto Repair",
    "Nimbus Cloud Hosting",
    "Orchard Hill Cider",
    "Pinecrest Medical Group",
    "Quarry Stone Works",
    "Riverbend Canoe Rental",
    "Sandpiper Resort",
    "Timberline Lodge Suppliers",
    "Union Square Print Shop",
    "Valley Forge Metals",
    "Westwind Solar",
    "Willow Creek Pottery",
    "Yellowstone Outfitters",
    "Zephyr Air Charter",
];

const CITIES: &[(&str, &str, &str, &str)] = &[
    ("Atlanta", "GA", "31772", "404"),
    ("Chicago", "IL", "61236", "312"),
    ("Miami", "FL", "37125", "305"),
    ("Seattle", "WA", "98101", "206"),
    ("Denver", "CO", "80202", "303"),
    ("Boston", "MA", "02108", "617"),
    ("Austin", "TX", "78701", "512"),
    ("Portland", "OR", "97201", "503"),
    ("Phoenix", "AZ", "85004", "602"),
    ("Minneapolis", "MN", "55401", "612"),
];

const STREETS: &[&str] = &[
    "Main Street",
    "Oak Avenue",
    "Pine Road",
    "Maple Drive",
    "Cedar Lane",
    "Elm Street",
    "Lakeview Boulevard",
    "Hillcrest Road",
    "Park Avenue",
    "River Road",
    "Sunset Drive",
];

pub(super) fn domain(name: &str) -> String {
    let letters: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    format!("{letters}.example.com")
}

pub(super) struct Address {
    pub(super) line1: String,
    pub(super) city: &'static str,
    pub(super) state: &'static str,
    pub(super) zip: &'static str,
    pub(super) phone: String,
}

pub(super) fn address(i: usize) -> Address {
    let (city, state, zip, area) = CITIES[i % CITIES.len()];
    Address {
        line1: format!("{} {}", 100 + (i * 37) % 9_800, STREETS[i % STREETS.len()]),
        city,
        state,
        zip,
        phone: format!("+1 {area} 555 {:04}", (i * 7_919) % 10_000),
    }
}

const ADJECTIVES: &[&str] = &[
    "Northern",
    "Golden",
    "Blue",
    "Rapid",
    "Silent",
    "Bright",
    "Coastal",
    "Urban",
    "Royal",
    "Prime",
    "Summit",
    "Crystal",
    "Granite",
    "Silver",
    "Evergreen",
    "Atlas",
];
const NOUNS: &[&str] = &[
    "Logistics",
    "Foods",
    "Textiles",
    "Dynamics",
    "Motors",
    "Studios",
    "Supplies",
    "Labs",
    "Outfitters",
    "Holdings",
    "Systems",
    "Builders",
    "Traders",
    "Partners",
];
const SUFFIXES: &[&str] = &["Inc.", "LLC", "Ltd.", "Group", "Co."];

pub(super) fn generated_name(side: &str, i: usize) -> String {
    format!(
        "{} {} {} {} {:05}",
        side,
        ADJECTIVES[i % ADJECTIVES.len()],
        NOUNS[(i / ADJECTIVES.len()) % NOUNS.len()],
        SUFFIXES[i % SUFFIXES.len()],
        i + 1
    )
}

/// First names of the people at customers and accounts.
pub(super) const FIRST_NAMES: &[&str] = &[
    "Anna", "Ben", "Carla", "David", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kara",
    "Liam", "Maya", "Noah", "Olga", "Pavel", "Quinn", "Rosa", "Sami", "Tara",
];

/// Last names of the people at customers and accounts.
pub(super) const LAST_NAMES: &[&str] = &[
    "Alvarez", "Brooks", "Chen", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito",
    "Jensen", "Kowalski", "Lopez", "Moreau", "Nakamura", "Okafor", "Petrov", "Rossi", "Singh",
];

/// Job titles of the people at customers and accounts.
pub(super) const JOB_TITLES: &[&str] = &[
    "Purchasing Manager",
    "Owner",
    "Office Manager",
    "Buyer",
    "Accountant",
    "Operations Lead",
];

/// The `k`-th generated person.
pub(super) fn person(k: usize) -> (&'static str, &'static str, &'static str) {
    (
        FIRST_NAMES[k % FIRST_NAMES.len()],
        LAST_NAMES[(k / FIRST_NAMES.len() + k) % LAST_NAMES.len()],
        JOB_TITLES[k % JOB_TITLES.len()],
    )
}
