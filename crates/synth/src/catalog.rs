//! Fixed vocabularies the simulator draws from. Some window titles and file
//! names are deliberately hostile (markup, spreadsheet formulas, control
//! characters): reports must show them as text.

pub(crate) const COMPANY_DOMAIN: &str = "example-agency.co.jp";
pub(crate) const GROUP_DOMAIN: &str = "agency-group.co.jp";
pub(crate) const DEPARTMENTS: &[&str] =
    &["本社営業部", "東京支店", "大阪支店", "名古屋支店", "管理部"];
pub(crate) const AGENT_VERSION: &str = "4.2.1";
pub(crate) const CUSTOMER_PREFIX: &str = r"\\fs01\share\顧客\";

/// (exe name, path, window titles)
pub(crate) const APPS: &[(&str, &str, &[&str])] = &[
    (
        "EXCEL.EXE",
        r"C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE",
        &[
            "顧客一覧.xlsx - Excel",
            "月次報告.xlsx - Excel",
            "=cmd|' /C calc'!A0 - Excel",
        ],
    ),
    (
        "WINWORD.EXE",
        r"C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE",
        &["提案書.docx - Word", "議事録 10月.docx - Word"],
    ),
    (
        "OUTLOOK.EXE",
        r"C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE",
        &[
            "受信トレイ - Outlook",
            "<script>alert(1)</script> - メッセージ",
        ],
    ),
    (
        "chrome.exe",
        r"C:\Program Files\Google\Chrome\Application\chrome.exe",
        &[
            "生命保険協会 - Google Chrome",
            "社内ポータル - Google Chrome",
        ],
    ),
    (
        "msedge.exe",
        r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe",
        &[
            "金融庁 - Microsoft Edge",
            "保険会社ポータル - Microsoft Edge",
        ],
    ),
    (
        "HokenSekkei.exe",
        r"C:\Program Files\HokenSekkei\HokenSekkei.exe",
        &["保険設計システム", "設計書プレビュー\u{7}\u{1b}[31m"],
    ),
    (
        "Teams.exe",
        r"C:\Program Files\Microsoft\Teams\Teams.exe",
        &["Microsoft Teams"],
    ),
    (
        "explorer.exe",
        r"C:\Windows\explorer.exe",
        &["ドキュメント", "ダウンロード"],
    ),
];

pub(crate) const WORK_SITES: &[&str] = &[
    "intranet.example-agency.co.jp",
    "www.seiho.or.jp",
    "www.fsa.go.jp",
    "portal.insurer-a.co.jp",
    "agency.insurer-b.co.jp",
    "login.microsoftonline.com",
    "news.yahoo.co.jp",
];

pub(crate) const WEBMAIL: &[&str] = &["mail.google.com", "outlook.live.com", "mail.yahoo.co.jp"];
pub(crate) const CLOUD_STORAGE: &[&str] =
    &["drive.google.com", "www.dropbox.com", "onedrive.live.com"];

pub(crate) const DOC_NAMES: &[&str] = &[
    "提案書",
    "見積書",
    "議事録",
    "月次報告",
    "=HYPERLINK(\"http://x\")",
    "申込書控え",
    "研修資料",
];

/// (product, publisher, version)
pub(crate) const APPROVED_SOFTWARE: &[(&str, &str, &str)] = &[
    (
        "Microsoft 365 Apps for enterprise",
        "Microsoft Corporation",
        "16.0.18129",
    ),
    ("Google Chrome", "Google LLC", "142.0.7444.60"),
    ("Microsoft Edge", "Microsoft Corporation", "142.0.3595.53"),
    ("Adobe Acrobat Reader", "Adobe Inc.", "25.001.20813"),
    ("7-Zip", "Igor Pavlov", "25.01"),
    ("Zoom Workplace", "Zoom Communications, Inc.", "6.6.0"),
    ("保険設計システム", "HokenSekkei Co., Ltd.", "12.4"),
    ("Microsoft Teams", "Microsoft Corporation", "25290.205"),
];

/// Unapproved products (product, publisher, version).
pub(crate) const UNAPPROVED_SOFTWARE: &[(&str, &str, &str)] = &[
    ("TeamViewer", "TeamViewer Germany GmbH", "15.70.4"),
    ("uTorrent", "BitTorrent Inc.", "3.6.0"),
    ("LINE", "LY Corporation", "9.8.0"),
    ("Dropbox", "Dropbox, Inc.", "236.4.6545"),
];

pub(crate) const OS_CURRENT: (&str, &str, &str) = ("Windows 11 Pro", "25H2", "26200.7019");
pub(crate) const OS_EOS: (&str, &str, &str) = ("Windows 10 Pro", "22H2", "19045.6036");
pub(crate) const SOFTWARE_EOS: (&str, &str, &str) =
    ("Adobe Flash Player", "Adobe Inc.", "32.0.0.465");

/// (ssid, bssids) of the office Wi-Fi.
pub(crate) const OFFICE_WIFI: (&str, &[&str]) = (
    "CORP-WIFI",
    &[
        "00:1a:2b:3c:4d:01",
        "00:1a:2b:3c:4d:02",
        "00:1a:2b:3c:4d:03",
    ],
);
pub(crate) const OFFICE_GATEWAY: &str = "10.10.0.1";
/// Unregistered networks a laptop might roam onto: (ssid, bssid, auth, cipher).
pub(crate) const HOME_WIFI: (&str, &str, &str, &str) =
    ("aterm-5f1c2a-g", "a4:12:42:5f:1c:2a", "wpa2_psk", "ccmp");
pub(crate) const HOTEL_WIFI: (&str, &str, &str, &str) =
    ("Hotel_Free_WiFi", "02:00:5e:10:00:01", "open", "none");
