//! A CSDL `$metadata` document for the served entity sets (enough for metadata-reading clients).

use std::fmt::Write;

use super::schema::{COMPANIES, EntitySet, Kind, company_sets};

fn edm(kind: Kind) -> (&'static str, Option<usize>) {
    match kind {
        Kind::Text(n) | Kind::Code(n) => ("Edm.String", Some(n)),
        Kind::Guid => ("Edm.Guid", None),
        Kind::Decimal => ("Edm.Decimal", None),
        Kind::Bool => ("Edm.Boolean", None),
        Kind::Enum(_) => ("Edm.String", None),
        Kind::DateTime => ("Edm.DateTimeOffset", None),
    }
}

fn entity_type(out: &mut String, set: &EntitySet) {
    let _ = writeln!(
        out,
        "      <EntityType Name=\"{}\"><Key><PropertyRef Name=\"id\"/></Key>",
        set.entity_type
    );
    for field in set.fields {
        let (ty, max) = edm(field.kind);
        let nullable = if field.name == "id" {
            " Nullable=\"false\""
        } else {
            ""
        };
        let max = max
            .map(|m| format!(" MaxLength=\"{m}\""))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "        <Property Name=\"{}\" Type=\"{ty}\"{nullable}{max}/>",
            field.name
        );
    }
    let _ = writeln!(out, "      </EntityType>");
}

/// The CSDL XML.
pub(super) fn csdl() -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<edmx:Edmx Version=\"4.0\" xmlns:edmx=\"http://docs.oasis-open.org/odata/ns/edmx\">\n  <edmx:DataServices>\n    <Schema Namespace=\"Microsoft.NAV\" xmlns=\"http://docs.oasis-open.org/odata/ns/edm\">\n",
    );
    entity_type(&mut out, &COMPANIES);
    for set in company_sets() {
        entity_type(&mut out, set);
    }
    out.push_str("      <EntityContainer Name=\"NAV\">\n");
    let _ = writeln!(
        out,
        "        <EntitySet Name=\"companies\" EntityType=\"Microsoft.NAV.company\">"
    );
    for set in company_sets() {
        let _ = writeln!(
            out,
            "          <NavigationPropertyBinding Path=\"{0}\" Target=\"{0}\"/>",
            set.name
        );
    }
    out.push_str("        </EntitySet>\n");
    for set in company_sets() {
        let _ = writeln!(
            out,
            "        <EntitySet Name=\"{}\" EntityType=\"Microsoft.NAV.{}\"/>",
            set.name, set.entity_type
        );
    }
    out.push_str("      </EntityContainer>\n    </Schema>\n  </edmx:DataServices>\n</edmx:Edmx>\n");
    out
}
