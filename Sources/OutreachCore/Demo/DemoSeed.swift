import Foundation
import GRDB

/// Writes the demo folder of `outreachd init --demo`: a store of 48 customers in Hungarian,
/// Swedish, Thai and English whose dates are placed relative to `now`, so that every rule kind
/// has messages due whenever the demo runs, plus a config, the templates and a state database.
///
/// Customers owed something now are put in a zone where it is currently daytime (inside the
/// demo's send window); a few rows are broken on purpose so `explain` shows how they are skipped.
public enum DemoSeed {
    public static let marker = ".outreachd-demo"

    /// Writes the demo in `folder`; returns the config file's path.
    ///
    /// An existing demo (its ledger and Maildir included) is replaced only when `replacing` says
    /// so; a folder that is not a demo never is.
    public static func write(folder: String, now: Date, templatesFrom: String, replacing: Bool = false) throws -> String {
        let fm = FileManager.default
        if fm.fileExists(atPath: folder) {
            let contents = (try? fm.contentsOfDirectory(atPath: folder)) ?? []
            guard contents.isEmpty || contents.contains(marker) else {
                throw StoreError.unsupported(folder, "the folder exists and is not an outreachd demo; choose another with --dir")
            }
            guard contents.isEmpty || replacing else {
                throw StoreError.unsupported(folder, "a demo is already there (with its ledger and Maildir); pass --replace to write a new one over it, or choose another --dir")
            }
            for item in contents { try fm.removeItem(atPath: Paths.resolve(item, relativeTo: folder)) }
        }
        try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
        fm.createFile(atPath: Paths.resolve(marker, relativeTo: folder), contents: Data("written by outreachd init --demo; safe to delete\n".utf8))
        try fm.copyItem(atPath: templatesFrom, toPath: Paths.resolve("templates", relativeTo: folder))
        let configPath = Paths.resolve("outreachd.toml", relativeTo: folder)
        try Data(config.utf8).write(to: URL(fileURLWithPath: configPath))
        let store = try SQLiteCustomerStore.create(path: Paths.resolve("customers.db", relativeTo: folder))
        try store.write { db in try seed(db, now: now) }
        _ = try ConfigurationLoader.load(file: configPath).openLedger(.create)
        try fm.createDirectory(atPath: Paths.resolve("Maildir", relativeTo: folder), withIntermediateDirectories: true)
        return configPath
    }

    static let config = """
        # outreachd demo configuration, written by `outreachd init --demo`.
        # Paths are relative to this file's folder.

        [store]
        url = "sqlite:customers.db"

        [state]
        url = "sqlite:state.db"

        [schedule]
        interval = "60s"
        timezone = "Europe/Budapest"
        send_window = "08:00-21:00"
        max_per_customer = "1/24h"

        [company]
        name = "Example Kft."

        [templates]
        path = "templates"

        [channels.spool]
        kind = "maildir"
        path = "Maildir"
        from = "Example Care <care@example.com>"

        [[rules]]
        name = "birthday"
        kind = "birthday"
        channel = "spool"
        template = "birthday"
        send_at = "08:00"
        priority = 30

        [[rules]]
        name = "ticket_follow_up"
        kind = "unresolved_ticket"
        channel = "spool"
        template = "unresolved_ticket"
        after = "48h"
        repeat_every = "48h"
        max_repeats = 2
        priority = 40

        [[rules]]
        name = "satisfaction"
        kind = "satisfaction_survey"
        channel = "spool"
        template = "satisfaction_survey"
        after = "3d"
        priority = 20

        [[rules]]
        name = "check_in"
        kind = "post_purchase"
        channel = "spool"
        template = "post_purchase"
        after = "14d"
        min_amount = 50
        skip_if_open_ticket = true
        priority = 10

        [[rules]]
        name = "we_miss_you"
        kind = "inactive"
        channel = "spool"
        template = "inactive"
        tier = "gold"
        min_spend = 100000
        after = "90d"
        priority = 5

        """

    struct Language {
        var locale: String
        var home: [String]
        var names: [String]
        var latin: [String]
        var phonePrefix: String
        var currency: String
        var amount: Double
        var items: [String]
        var ticketSubject: String
    }

    static let languages = [
        Language(locale: "hu", home: ["Europe/Budapest"],
                 names: ["Kovács Anna", "Nagy Péter", "Szabó Eszter", "Tóth Gábor", "Horváth Zsófia", "Varga Bence",
                         "Kiss Réka", "Molnár László", "Németh Katalin", "Farkas Ádám", "Balogh Júlia", "Papp Márton"],
                 latin: ["anna.kovacs", "peter.nagy", "eszter.szabo", "gabor.toth", "zsofia.horvath", "bence.varga",
                         "reka.kiss", "laszlo.molnar", "katalin.nemeth", "adam.farkas", "julia.balogh", "marton.papp"],
                 phonePrefix: "+36301234", currency: "HUF", amount: 24_990, items: ["kávéfőző", "túrabakancs"],
                 ticketSubject: "A rendelésem még nem érkezett meg"),
        Language(locale: "sv-SE", home: ["Europe/Stockholm"],
                 names: ["Astrid Lindqvist", "Erik Johansson", "Maja Andersson", "Lars Nilsson", "Sofia Karlsson", "Olof Bergström",
                         "Elin Svensson", "Johan Åberg", "Ingrid Öberg", "Nils Lundgren", "Freja Holm", "Gustav Ek"],
                 latin: ["astrid.lindqvist", "erik.johansson", "maja.andersson", "lars.nilsson", "sofia.karlsson", "olof.bergstrom",
                         "elin.svensson", "johan.aberg", "ingrid.oberg", "nils.lundgren", "freja.holm", "gustav.ek"],
                 phonePrefix: "+46701234", currency: "SEK", amount: 1_299, items: ["kaffebryggare", "vandringskängor"],
                 ticketSubject: "Min beställning har inte kommit fram"),
        Language(locale: "th", home: ["Asia/Bangkok"],
                 names: ["สมชาย ใจดี", "มาลี ศรีสุข", "นิรันดร์ ชัยพร", "กัญญา ทองดี", "อนันต์ บุญมี", "พิมพ์ชนก รัตนากร",
                         "วิชัย แซ่ลิ้ม", "สุดารัตน์ พรหมมา", "ธนากร วงศ์ษา", "ณัฐยา แก้วมณี", "ประเสริฐ อินทรัตน์", "รัตนา สุขสวัสดิ์"],
                 latin: ["somchai.j", "malee.s", "niran.c", "kanya.t", "anan.b", "pimchanok.r",
                         "wichai.s", "sudarat.p", "thanakorn.w", "nattaya.k", "prasert.i", "ratana.s"],
                 phonePrefix: "+66812345", currency: "THB", amount: 3_590, items: ["เครื่องชงกาแฟ", "รองเท้าเดินป่า"],
                 ticketSubject: "ยังไม่ได้รับสินค้าที่สั่งซื้อ"),
        Language(locale: "en", home: ["Europe/London", "America/New_York", "Australia/Sydney", "America/Los_Angeles"],
                 names: ["Emma Clarke", "James Patel", "Olivia Brown", "Noah Williams", "Ava Johnson", "Liam O'Connor",
                         "Mia Thompson", "Ethan Walker", "Chloe Evans", "Lucas Wright", "Grace Hughes", "Henry Adams"],
                 latin: ["emma.clarke", "james.patel", "olivia.brown", "noah.williams", "ava.johnson", "liam.oconnor",
                         "mia.thompson", "ethan.walker", "chloe.evans", "lucas.wright", "grace.hughes", "henry.adams"],
                 phonePrefix: "+44770090", currency: "GBP", amount: 120, items: ["coffee grinder", "hiking boots"],
                 ticketSubject: "My order has not arrived yet"),
    ]

    /// Zones around the globe, one of which is always in daytime.
    static let daytimePool = ["Pacific/Kiritimati", "Pacific/Auckland", "Australia/Sydney", "Asia/Tokyo", "Asia/Shanghai", "Asia/Bangkok",
                              "Asia/Dhaka", "Asia/Karachi", "Asia/Dubai", "Europe/Moscow", "Europe/Helsinki", "Europe/Budapest",
                              "Europe/London", "Atlantic/Azores", "America/Sao_Paulo", "America/Halifax", "America/New_York",
                              "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu",
                              "Pacific/Pago_Pago"]

    /// A zone where `now` is between 08:00 and 20:30 local time, preferring the language's home zones.
    static func daytimeZone(_ language: Language, index: Int, now: Date) -> TimeZone {
        let inWindow: (String) -> Bool = { name in
            let t = LocalTime.secondsSinceMidnight(now, in: TimeZone(identifier: name)!)
            return t >= 8 * 3600 && t < 20 * 3600 + 1800
        }
        let home = language.home.filter(inWindow)
        if !home.isEmpty { return TimeZone(identifier: home[index % home.count])! }
        let pool = daytimePool.filter(inWindow)
        return TimeZone(identifier: pool[index % pool.count])!
    }

    static func seed(_ db: Database, now: Date) throws {
        var ticketNumber = 0, purchaseNumber = 0
        for (l, language) in languages.enumerated() {
            for (i, name) in language.names.enumerated() {
                let id = String(format: "C%03d", l * 12 + i + 1)
                let dueNow = [0, 1, 2, 4, 5, 6, 7, 10, 11].contains(i)
                let zone = dueNow ? daytimeZone(language, index: i + l, now: now) : TimeZone(identifier: language.home[i % language.home.count])!
                let today = CivilDate(now, in: zone)
                func at(_ ago: TimeInterval) -> String { Timestamp.format(now.addingTimeInterval(-ago), in: zone) }
                let leapYears = [1980, 1984, 1988, 1992, 1996]
                var birthday: String? = String(format: "%04d-%02d-%02d", leapYears[i % 5], today.month, today.day)
                var timezone: String? = zone.identifier
                var email: String? = "\(language.latin[i])@example.com"
                switch i {
                case 0, 1, 10: break  // birthday today (1 also has a check-in due: the cap decides; 10 is opted out)
                case 8:
                    let tomorrow = today.adding(days: 1)
                    birthday = String(format: "--%02d-%02d", tomorrow.month, tomorrow.day)
                case 11:
                    // Broken on purpose, one way per language: explain shows the reason.
                    switch l {
                    case 0: timezone = "Europe/Budapset"
                    case 1: email = nil
                    case 2: birthday = "--31-12"
                    default: birthday = "1985-13-40"
                    }
                default: birthday = i % 3 == 0 ? nil : String(format: "%04d-%02d-%02d", leapYears[i % 5], (today.month % 12) + 1, 15)
                }
                try db.execute(sql: """
                    INSERT INTO customers(id, name, email, phone, locale, timezone, birthday, tier, opted_out, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [id, name, email, language.phonePrefix + String(format: "%02d", i), language.locale, timezone, birthday,
                                     i == 7 ? "gold" : nil, i == 10 ? 1 : 0, at(400 * 86_400)])
                func purchase(_ ago: TimeInterval, amount: Double, item: String) throws {
                    purchaseNumber += 1
                    try db.execute(sql: "INSERT INTO purchases(id, customer_id, purchased_at, amount, currency, item) VALUES (?, ?, ?, ?, ?, ?)",
                                   arguments: [String(format: "P%04d", purchaseNumber), id, at(ago), amount, language.currency, item])
                }
                func ticket(status: String, opened: TimeInterval, updated: TimeInterval, solved: TimeInterval?) throws {
                    ticketNumber += 1
                    try db.execute(sql: "INSERT INTO tickets(id, customer_id, subject, status, opened_at, updated_at, solved_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                   arguments: [String(format: "T%04d", ticketNumber), id, language.ticketSubject, status, at(opened), at(updated), solved.map(at)])
                }
                let day = 86_400.0, slack = 20.0 * 60
                // Everyone has some history, long past any rule's window.
                try purchase(200 * day, amount: language.amount / 2, item: language.items[1])
                switch i {
                case 1, 2: try purchase(14 * day + slack, amount: language.amount, item: language.items[0])
                case 3: try purchase(14 * day + slack, amount: 20, item: language.items[0])
                case 4: try ticket(status: "open", opened: 5 * day, updated: 2 * day + slack, solved: nil)
                case 5, 6: try ticket(status: "solved", opened: 6 * day, updated: 3 * day + slack, solved: 3 * day + slack)
                case 7:
                    try purchase(150 * day, amount: language.amount * 2, item: language.items[1])
                    try purchase(90 * day + slack, amount: language.amount, item: language.items[0])
                case 9: try purchase(11 * day, amount: language.amount, item: language.items[0])
                default: break
                }
            }
        }
    }
}
