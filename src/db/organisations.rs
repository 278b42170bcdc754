//! Organisations: the platform and its trusted partners.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::organisations;
use super::{DbConnection, decode};
use crate::domain::category::Category;
use crate::domain::ids::OrgId;
use crate::domain::role::OrgKind;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organisations)]
struct OrganisationRow {
    id: i64,
    name: String,
    kind: String,
    trusted_flagger: bool,
    designating_authority: Option<String>,
    designated_on: Option<NaiveDate>,
    expertise: String,
    require_two_factor: bool,
    platform_requires_two_factor: bool,
    deleted_at: Option<chrono::NaiveDateTime>,
}

/// An organisation as the rest of the code sees it: typed, with its trusted-flagger record.
#[derive(Debug, Clone)]
pub struct Organisation {
    pub id: OrgId,
    pub name: String,
    pub kind: OrgKind,
    pub trusted_flagger: bool,
    pub designating_authority: Option<String>,
    pub designated_on: Option<NaiveDate>,
    pub expertise: Vec<Category>,
    /// Its admin requires its members to sign in with a second factor.
    pub require_two_factor: bool,
    /// The platform requires it of its members.
    pub platform_requires_two_factor: bool,
    /// Deleted: its row stays for the statistics, with no name.
    pub deleted_at: Option<chrono::NaiveDateTime>,
}

impl TryFrom<OrganisationRow> for Organisation {
    type Error = diesel::result::Error;

    fn try_from(row: OrganisationRow) -> QueryResult<Self> {
        Ok(Organisation {
            id: OrgId(row.id),
            kind: decode("organisation kind", &row.kind, OrgKind::parse)?,
            expertise: Category::parse_list(&row.expertise),
            name: row.name,
            trusted_flagger: row.trusted_flagger,
            designating_authority: row.designating_authority,
            designated_on: row.designated_on,
            require_two_factor: row.require_two_factor,
            platform_requires_two_factor: row.platform_requires_two_factor,
            deleted_at: row.deleted_at,
        })
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = organisations)]
pub struct NewOrganisation<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    pub trusted_flagger: bool,
    pub designating_authority: Option<&'a str>,
    pub designated_on: Option<NaiveDate>,
    pub expertise: String,
    pub created_at: NaiveDateTime,
}

impl NewOrganisation<'_> {
    /// Stores the areas of expertise as the comma-separated codes `Category::parse_list` reads.
    pub fn expertise_codes(areas: &[Category]) -> String {
        areas.iter().map(|c| c.code()).collect::<Vec<_>>().join(",")
    }
}

pub fn insert(conn: &mut DbConnection, new: &NewOrganisation<'_>) -> QueryResult<OrgId> {
    diesel::insert_into(organisations::table).values(new).returning(organisations::id).get_result(conn).map(OrgId)
}

pub fn find(conn: &mut DbConnection, id: OrgId) -> QueryResult<Option<Organisation>> {
    // By its key, so without a LIMIT (see `fragment::Limit`).
    let row: Option<OrganisationRow> = super::on_backend!(conn, |c| organisations::table
        .find(id.0)
        .select(OrganisationRow::as_select())
        .get_result(c)
        .optional())?;
    row.map(Organisation::try_from).transpose()
}

pub fn find_by_name(conn: &mut DbConnection, name: &str) -> QueryResult<Option<Organisation>> {
    organisations::table
        .filter(organisations::name.eq(name))
        .select(OrganisationRow::as_select())
        .first(conn)
        .optional()?
        .map(Organisation::try_from)
        .transpose()
}

/// Every organisation not deleted, by name; there are hundreds at most.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<Organisation>> {
    organisations::table
        .filter(organisations::deleted_at.is_null())
        .order(organisations::name.asc())
        .select(OrganisationRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Organisation::try_from)
        .collect()
}

/// The partner organisations not deleted, by name: what a list filter offers.
pub fn partner_names(conn: &mut DbConnection) -> QueryResult<Vec<(OrgId, String)>> {
    let rows: Vec<(i64, String)> = organisations::table
        .filter(organisations::kind.eq(OrgKind::Partner.code()))
        .filter(organisations::deleted_at.is_null())
        .order(organisations::name.asc())
        .select((organisations::id, organisations::name))
        .load(conn)?;
    Ok(rows.into_iter().map(|(id, name)| (OrgId(id), name)).collect())
}

/// The platform's own organisation, which staff belong to.
pub fn platform(conn: &mut DbConnection) -> QueryResult<Option<Organisation>> {
    organisations::table
        .filter(organisations::kind.eq(OrgKind::Platform.code()))
        .order(organisations::id.asc())
        .select(OrganisationRow::as_select())
        .first(conn)
        .optional()?
        .map(Organisation::try_from)
        .transpose()
}
