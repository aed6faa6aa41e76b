import Foundation
import GRDB

/// A realistic synthetic customer store for benchmarks, the same for the same seed and size.
///
/// Densities follow the benchmark issue: many zones and locales (hu, sv, th, en and others),
/// birthdays over the year, about 3 purchases per customer over three years, about 1 ticket per
/// customer of which 5 % are unresolved, 2 % top-tier customers. Dates are placed relative to
/// `now`, so the same store has messages due whenever it is generated for.
public enum SyntheticStore {
    /// How much was written.
    public struct Summary: Sendable, CustomStringConvertible {
        public var customers = 0
        public var purchases = 0
        public var tickets = 0
        public var description: String { "\(customers) customers, \(purchases) purchases, \(tickets) tickets" }
    }

    struct Locale {
        var tag: String
        var weight: Int
        var zones: [String]
        var given: [String]
        var family: [String]
        var familyFirst: Bool
        var currency: String
        var typicalAmount: Double
    }

    static let locales: [Locale] = [
        Locale(tag: "hu", weight: 22, zones: ["Europe/Budapest"], given: ["Anna", "Péter", "Eszter", "Gábor", "Zsófia", "Bence", "Réka", "László"],
               family: ["Kovács", "Nagy", "Szabó", "Tóth", "Horváth", "Varga", "Kiss", "Molnár"], familyFirst: true, currency: "HUF", typicalAmount: 20_000),
        Locale(tag: "sv-SE", weight: 18, zones: ["Europe/Stockholm"], given: ["Astrid", "Erik", "Maja", "Lars", "Sofia", "Olof", "Elin", "Johan"],
               family: ["Lindqvist", "Johansson", "Andersson", "Nilsson", "Karlsson", "Bergström", "Svensson", "Åberg"], familyFirst: false, currency: "SEK", typicalAmount: 900),
        Locale(tag: "th", weight: 15, zones: ["Asia/Bangkok"], given: ["สมชาย", "มาลี", "นิรันดร์", "กัญญา", "อนันต์", "พิมพ์ชนก", "วิชัย", "สุดารัตน์"],
               family: ["ใจดี", "ศรีสุข", "ชัยพร", "ทองดี", "บุญมี", "รัตนากร", "แซ่ลิ้ม", "พรหมมา"], familyFirst: false, currency: "THB", typicalAmount: 2_500),
        Locale(tag: "en", weight: 25, zones: ["Europe/London", "America/New_York", "America/Chicago", "America/Los_Angeles", "Australia/Sydney"],
               given: ["Emma", "James", "Olivia", "Noah", "Ava", "Liam", "Mia", "Ethan"],
               family: ["Clarke", "Patel", "Brown", "Williams", "Johnson", "O'Connor", "Thompson", "Walker"], familyFirst: false, currency: "USD", typicalAmount: 80),
        Locale(tag: "de", weight: 8, zones: ["Europe/Berlin", "Europe/Vienna", "Europe/Zurich"], given: ["Lena", "Jonas", "Mia", "Felix"],
               family: ["Müller", "Schmidt", "Schneider", "Fischer"], familyFirst: false, currency: "EUR", typicalAmount: 70),
        Locale(tag: "fi", weight: 4, zones: ["Europe/Helsinki"], given: ["Aino", "Eino", "Helmi", "Väinö"],
               family: ["Korhonen", "Virtanen", "Mäkinen", "Nieminen"], familyFirst: false, currency: "EUR", typicalAmount: 70),
        Locale(tag: "ja", weight: 4, zones: ["Asia/Tokyo"], given: ["陽翔", "結菜", "蓮", "陽葵"],
               family: ["佐藤", "鈴木", "高橋", "田中"], familyFirst: true, currency: "JPY", typicalAmount: 9_000),
        Locale(tag: "pt-BR", weight: 4, zones: ["America/Sao_Paulo"], given: ["Ana", "João", "Maria", "Pedro"],
               family: ["Silva", "Santos", "Oliveira", "Souza"], familyFirst: false, currency: "BRL", typicalAmount: 300),
    ]

    static let items = ["coffee grinder", "hiking boots", "espresso machine", "rain jacket", "kettle", "desk lamp", "backpack", "headphones",
                        "kávéfőző", "túrabakancs", "kaffebryggare", "vandringskängor", "เครื่องชงกาแฟ", "รองเท้าเดินป่า", "Wasserkocher", "reppu"]
    static let subjects = ["My order has not arrived", "Wrong size delivered", "Refund request", "A hiányzó számla", "Fakturan stämmer inte",
                           "สินค้าชำรุด", "Rücksendung", "Can I change my address?"]

    /// Writes a store of `customers` customers into `path` (created with the schema and indexes;
    /// an existing file is refused, so a benchmark store is never mixed with other data).
    public static func write(path: String, customers count: Int, seed: UInt64 = 2026, now: Date) throws -> Summary {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw StoreError.unsupported(path, "the file exists; synthetic stores are written to a new file")
        }
        let store = try SQLiteCustomerStore.create(path: path)
        var random = SeededRandom(seed: seed)
        var summary = Summary()
        let weights = locales.map(\.weight)
        let totalWeight = weights.reduce(0, +)
        let nowSeconds = now.timeIntervalSince1970
        let threeYears = 3 * 365.0 * 86_400
        try store.write { db in
            let customer = try db.makeStatement(sql: """
                INSERT INTO customers(id, name, email, phone, locale, timezone, birthday, tier, opted_out, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)
                """)
            let purchase = try db.makeStatement(sql: "INSERT INTO purchases(id, customer_id, purchased_at, amount, currency, item) VALUES (?,?,?,?,?,?)")
            let ticket = try db.makeStatement(sql: """
                INSERT INTO tickets(id, customer_id, subject, status, opened_at, updated_at, solved_at) VALUES (?,?,?,?,?,?,?)
                """)
            for n in 0..<count {
                var pick = random.below(totalWeight)
                var localeIndex = 0
                while pick >= weights[localeIndex] { pick -= weights[localeIndex]; localeIndex += 1 }
                let locale = locales[localeIndex]
                let zoneName = random.chance(0.9) ? random.pick(locale.zones) : random.pick(locales.flatMap(\.zones))
                let zone = TimeZone(identifier: zoneName) ?? .gmt
                let given = random.pick(locale.given), family = random.pick(locale.family)
                let name = locale.familyFirst ? "\(family) \(given)" : "\(given) \(family)"
                let id = String(format: "C%07d", n)
                var birthday: String?
                let month = 1 + random.below(12), day = 1 + random.below(CivilDate.daysIn(month: month, year: 2000))
                switch random.below(20) {
                case 0, 1: birthday = nil
                case 2: birthday = String(format: "--%02d-%02d", month, day)
                default:
                    let year = 1940 + random.below(66)
                    birthday = CivilDate(year: year, month: month, day: day).map(\.description) ?? String(format: "%04d-%02d-28", year, month)
                }
                let topTier = random.chance(0.02)
                let created = now.addingTimeInterval(-threeYears - random.unit() * threeYears)
                try customer.execute(arguments: [id, name, random.chance(0.95) ? "c\(n)@example.com" : nil,
                                                 random.chance(0.6) ? String(format: "+3670%07d", n % 10_000_000) : nil, locale.tag, zoneName, birthday,
                                                 topTier ? "gold" : (random.chance(0.5) ? "standard" : nil), random.chance(0.03) ? 1 : 0,
                                                 Timestamp.format(created, in: zone)])
                summary.customers += 1
                // About 3 purchases over three years (0 to 6); top-tier customers buy more and bigger.
                let purchases = random.below(topTier ? 9 : 7)
                for p in 0..<purchases {
                    let at = nowSeconds - random.unit() * threeYears
                    let amount = (locale.typicalAmount * (0.2 + 3 * random.unit() * random.unit()) * (topTier ? 20 : 1)).rounded()
                    try purchase.execute(arguments: ["P\(n)-\(p)", id, Timestamp.format(Date(timeIntervalSince1970: at), in: zone), amount,
                                                     locale.currency, random.pick(items)])
                    summary.purchases += 1
                }
                // About one ticket (0 to 2); 5 % of tickets still open or pending, opened within three
                // months and last updated within two.
                let tickets = random.below(3)
                for t in 0..<tickets {
                    let unresolved = random.chance(0.05)
                    let opened = unresolved ? nowSeconds - random.unit() * 90 * 86_400 : nowSeconds - random.unit() * threeYears
                    let updated = unresolved ? max(opened, nowSeconds - random.unit() * 60 * 86_400) : opened + random.unit() * 14 * 86_400
                    let solved: Double? = unresolved ? nil : min(updated, nowSeconds)
                    func stamp(_ seconds: Double) -> String { Timestamp.format(Date(timeIntervalSince1970: seconds), in: zone) }
                    try ticket.execute(arguments: ["T\(n)-\(t)", id, random.pick(subjects),
                                                   unresolved ? (random.chance(0.5) ? "open" : "pending") : (random.chance(0.8) ? "solved" : "closed"),
                                                   stamp(opened), stamp(min(updated, nowSeconds)), solved.map(stamp)])
                    summary.tickets += 1
                }
            }
            try db.execute(sql: "ANALYZE")
        }
        return summary
    }
}
