//! A CSDL `$metadata` document for the entity sets of one API (enough for clients that read
//! field types, max lengths, enum members and navigation properties from it).

use std::fmt::Write;

use super::schema::{Api, COMPANIES, EntitySet, Kind, Link, company_sets, custom_sets};

fn edm(set: &EntitySet, name: &str, kind: Kind) -> (String, Option<usize>) {
    match kind {
        Kind::Text(n) | Kind::Code(n) => ("Edm.String".into(), Some(n)),
        Kind::Guid => ("Edm.Guid".into(), None),
        Kind::Decimal => ("Edm.Decimal".into(), None),
        Kind::Integer => ("Edm.Int32".into(), None),
        Kind::Bool => ("Edm.Boolean".into(), None),
        Kind::Enum(_) => (format!("Microsoft.NAV.{}", enum_name(set, name)), None),
        Kind::Date => ("Edm.Date".into(), None),
        Kind::DateTime => ("Edm.DateTimeOffset".into(), None),
    }
}

/// The enum type of a field: `<entityType><Field>` (`opportunityStatus`).
fn enum_name(set: &EntitySet, field: &str) -> String {
    let mut chars = field.chars();
    let first = chars.next().map(|c| c.to_ascii_uppercase());
    format!(
        "{}{}{}",
        set.entity_type,
        first.unwrap_or_default(),
        chars.as_str()
    )
}

fn enum_types(out: &mut String, set: &EntitySet) {
    for field in set.visible() {
        let Kind::Enum(members) = field.kind else {
            continue;
        };
        let _ = writeln!(
            out,
            "      <EnumType Name=\"{}\">",
            enum_name(set, field.name)
        );
        for (i, member) in members.iter().enumerate() {
            let _ = writeln!(out, "        <Member Name=\"{member}\" Value=\"{i}\"/>");
        }
        out.push_str("      </EnumType>\n");
    }
}

fn key_field(set: &EntitySet) -> &'static str {
    set.visible().next().map_or("id", |f| f.name)
}

fn entity_type(out: &mut String, set: &EntitySet) {
    let _ = writeln!(
        out,
        "      <EntityType Name=\"{}\"><Key><PropertyRef Name=\"{}\"/></Key>",
        set.entity_type,
        key_field(set)
    );
    for field in set.visible() {
        let (ty, max) = edm(set, field.name, field.kind);
        let nullable = if field.name == key_field(set) {
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
    for nav in set.navs {
        let ty = match nav.link {
            Link::Many(_) => format!("Collection(Microsoft.NAV.{})", nav.target.entity_type),
            Link::One(_) => format!("Microsoft.NAV.{}", nav.target.entity_type),
        };
        let _ = writeln!(
            out,
            "        <NavigationProperty Name=\"{}\" Type=\"{ty}\"/>",
            nav.name
        );
    }
    let _ = writeln!(out, "      </EntityType>");
}

/// The CSDL XML of an API.
pub(super) fn csdl(api: Api) -> String {
    let sets: Vec<&EntitySet> = match api {
        Api::Standard => company_sets().collect(),
        Api::Custom => custom_sets().collect(),
    };
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<edmx:Edmx Version=\"4.0\" xmlns:edmx=\"http://docs.oasis-open.org/odata/ns/edmx\">\n  <edmx:DataServices>\n    <Schema Namespace=\"Microsoft.NAV\" xmlns=\"http://docs.oasis-open.org/odata/ns/edm\">\n",
    );
    for set in &sets {
        enum_types(&mut out, set);
    }
    entity_type(&mut out, &COMPANIES);
    for set in &sets {
        entity_type(&mut out, set);
    }
    out.push_str("      <EntityContainer Name=\"NAV\">\n");
    let _ = writeln!(
        out,
        "        <EntitySet Name=\"companies\" EntityType=\"Microsoft.NAV.company\">"
    );
    for set in &sets {
        let _ = writeln!(
            out,
            "          <NavigationPropertyBinding Path=\"{0}\" Target=\"{0}\"/>",
            set.name
        );
    }
    out.push_str("        </EntitySet>\n");
    for set in &sets {
        let _ = writeln!(
            out,
            "        <EntitySet Name=\"{}\" EntityType=\"Microsoft.NAV.{}\">",
            set.name, set.entity_type
        );
        for nav in set.navs {
            if sets.iter().any(|s| std::ptr::eq(*s, nav.target)) {
                let _ = writeln!(
                    out,
                    "          <NavigationPropertyBinding Path=\"{}\" Target=\"{}\"/>",
                    nav.name, nav.target.name
                );
            }
        }
        out.push_str("        </EntitySet>\n");
    }
    out.push_str("      </EntityContainer>\n    </Schema>\n  </edmx:DataServices>\n</edmx:Edmx>\n");
    out
}
