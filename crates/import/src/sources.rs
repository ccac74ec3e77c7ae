//! Every source an importer reads, what of it becomes which event, and the
//! kinds of event it can give: printed in `docs/sources.md` (a test keeps
//! the two in step), with the items each source makes judgeable.

/// One row of a source's mapping table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MappingRow {
    /// The record read: a table and action, a column, a line.
    pub record: &'static str,
    /// What it becomes (`kind op`), or why it is not mapped.
    pub becomes: &'static str,
    /// The columns read and the event fields they fill.
    pub fields: &'static str,
}

/// A source an importer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    /// Its name.
    pub name: &'static str,
    /// `worklog ingest --format` value.
    pub format: &'static str,
    /// The prefix of the `source` column of its events (the report's
    /// 証跡の出所 family).
    pub source_prefix: &'static str,
    /// The events it can give, `(kind, op)`.
    pub gives: &'static [(&'static str, &'static str)],
    /// Its mapping (empty when a document of its own has it).
    pub rows: &'static [MappingRow],
    /// Where else its mapping is documented.
    pub documented_in: &'static str,
}

const fn row(record: &'static str, becomes: &'static str, fields: &'static str) -> MappingRow {
    MappingRow {
        record,
        becomes,
        fields,
    }
}

/// Every importer's source.
pub const SOURCES: &[Source] = &[
    Source {
        name: "Windows event logs (.evtx)",
        format: "evtx",
        source_prefix: "evtx",
        gives: &[
            ("session", "logon"),
            ("session", "logoff"),
            ("session", "lock"),
            ("session", "unlock"),
            ("app", "start"),
            ("file", "create"),
            ("media", "connect"),
            ("media", "disconnect"),
            ("network", "connect"),
            ("network", "disconnect"),
            ("software", "install"),
            ("software", "uninstall"),
            ("encryption", "status"),
            ("encryption", "resume"),
            ("agent", "start"),
            ("agent", "shutdown"),
            ("agent", "log_clear_attempt"),
            ("agent", "source_gap"),
            ("agent", "source_span"),
        ],
        rows: &[],
        documented_in: "evtx-mapping.md",
    },
    Source {
        name: "osquery result logs",
        format: "osquery",
        source_prefix: "osquery",
        gives: &[
            ("inventory", "software"),
            ("inventory", "os"),
            ("software", "install"),
            ("software", "uninstall"),
            ("encryption", "status"),
            ("network", "connect"),
            ("network", "disconnect"),
            ("media", "connect"),
            ("media", "disconnect"),
            ("session", "logon"),
            ("session", "logoff"),
        ],
        rows: &[],
        documented_in: "osquery.md",
    },
    Source {
        name: "Exchange Online message trace",
        format: "message-trace",
        source_prefix: "exchange",
        gives: &[("mail", "send"), ("mail", "receive")],
        rows: &[
            row(
                "Get-MessageTrace(V2) row / enhanced summary report row, the sender's",
                "mail send (one per message, on the sender's PC through --user-map)",
                "Received / origin_timestamp_utc → ts; SenderAddress / sender_address → sender_address, sender_domain; RecipientAddress / recipient_status → recipients; Status → mail_status; MessageTraceId / network_message_id → event_id",
            ),
            row(
                "the same row, a mapped recipient's",
                "mail receive (on each recipient's PC)",
                "as above; event_id `<id>|<recipient>`",
            ),
            row(
                "a message no mapped user sent or received",
                "not mapped (names --user-map)",
                "",
            ),
            row("Subject, sizes, IP addresses", "not stored", ""),
        ],
        documented_in: "crates/import/tests/fixtures/exchange/README.md",
    },
    Source {
        name: "Intune managed devices",
        format: "intune",
        source_prefix: "intune",
        gives: &[("inventory", "os"), ("encryption", "status")],
        rows: &[
            row(
                "a Windows or macOS device at its last check-in",
                "inventory os",
                "deviceName / Device name → device_id; lastSyncDateTime / Last check-in → ts; osVersion with skuFamily → os_product, os_version, os_build (Windows by edition and feature update); userPrincipalName → user_name; complianceState, serialNumber → detail; id → event_id",
            ),
            row(
                "the same device's encryption",
                "encryption status of C: (system), protection on/off",
                "isEncrypted / Encrypted / EncryptionStatusString (true/false, Yes/No, はい/いいえ, Encrypted/Not encrypted) → protection_on, protection_state; anything else → not mapped",
            ),
            row(
                "a phone or tablet (iOS, Android, …)",
                "not mapped (not a PC)",
                "",
            ),
        ],
        documented_in: "crates/import/tests/fixtures/intune/README.md",
    },
    Source {
        name: "Defender for Endpoint advanced hunting",
        format: "defender",
        source_prefix: "defender",
        gives: &[
            ("media", "connect"),
            ("shutter", "enable"),
            ("file", "write"),
            ("network", "connect"),
        ],
        rows: &[
            row(
                "DeviceEvents RemovableStoragePolicyTriggered",
                "media connect, blocked by a deny verdict (an audit or allow verdict let it happen); a deny also shutter enable (the storage control held)",
                "Timestamp → ts; DeviceName → device_id; InitiatingProcessAccountName → user_name; AdditionalFields (or the columns Microsoft's query projects): RemovableStoragePolicyVerdict → blocked; DeviceInstanceId, ClassName → media_class; VendorId, ProductId, MediaName, SerialNumber → vendor_id, product_id, media_name, media_serial; ReportId → event_id",
            ),
            row(
                "DeviceEvents RemovableStorageFileEvent",
                "file write on the removable volume",
                "FolderPath, FileName → file_path, src_volume; FileSize → file_size; InitiatingProcessFileName → exe_name; src_removable = true",
            ),
            row(
                "DeviceEvents UsbDriveMounted, PnpDeviceConnected",
                "not mapped (a mount does not say whether device control let the medium be read)",
                "",
            ),
            row(
                "DeviceNetworkInfo, an adapter's network appearing or changing, and its first report of each day",
                "network connect (auth_method unknown)",
                "NetworkAdapterType → if_type; ConnectedNetworks Name → ssid (Wi-Fi only), Category → detail; DefaultGateways → gateway_ip",
            ),
        ],
        documented_in: "crates/import/tests/fixtures/defender/README.md",
    },
    Source {
        name: "Squid access.log (native format)",
        format: "squid",
        source_prefix: "squid",
        gives: &[("web", "visit")],
        rows: &[
            row(
                "a request from a mapped client address",
                "web visit (one per site and 5 minutes: a page's parts are counted once)",
                "time → ts; client address → device_id through --address-map; URL host / CONNECT host → web_domain, url; user name → user_name; method, code/status, bytes → detail",
            ),
            row(
                "a request the proxy denied (TCP_DENIED, 403, 407)",
                "not mapped (the site was not reached)",
                "",
            ),
        ],
        documented_in: "crates/import/tests/fixtures/squid/README.md",
    },
];
