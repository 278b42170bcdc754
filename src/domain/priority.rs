//! The priority of a case (P0–P3), computed on the server, never chosen by the partner.

use super::case_fields::{AgeBand, Urgency};
use super::category::Category;

text_enum! {
    /// P0 imminent risk to life, P1 child sexual exploitation, P2 trusted flagger in its area
    /// (or an urgent case about a minor), P3 everything else. Codes sort in priority order.
    pub enum Priority {
        P0 => "p0",
        P1 => "p1",
        P2 => "p2",
        P3 => "p3",
    }
}

/// What the priority depends on.
pub struct PriorityInputs<'a> {
    pub urgency: Urgency,
    pub category: Category,
    pub age_band: AgeBand,
    pub trusted_flagger: bool,
    pub expertise: &'a [Category],
}

impl Priority {
    pub fn compute(inputs: &PriorityInputs<'_>) -> Priority {
        let in_area = inputs.trusted_flagger && inputs.expertise.contains(&inputs.category);
        if inputs.urgency == Urgency::ImminentRisk {
            Priority::P0
        } else if inputs.category.is_child_sexual_exploitation() {
            Priority::P1
        } else if in_area || (inputs.urgency == Urgency::Urgent && inputs.age_band.is_minor()) {
            Priority::P2
        } else {
            Priority::P3
        }
    }

    /// The label shown everywhere the case is: "P0" … "P3".
    pub fn label(self) -> &'static str {
        match self {
            Priority::P0 => "P0",
            Priority::P1 => "P1",
            Priority::P2 => "P2",
            Priority::P3 => "P3",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn priority(urgency: Urgency, category: Category, trusted_flagger: bool, expertise: &[Category]) -> Priority {
        Priority::compute(&PriorityInputs { urgency, category, age_band: AgeBand::Adult, trusted_flagger, expertise })
    }

    #[test]
    fn imminent_risk_is_p0_whatever_the_category() {
        assert_eq!(priority(Urgency::ImminentRisk, Category::Other, false, &[]), Priority::P0);
    }

    #[test]
    fn child_sexual_exploitation_is_p1() {
        assert_eq!(priority(Urgency::Standard, Category::Grooming, false, &[]), Priority::P1);
    }

    #[test]
    fn a_trusted_flagger_in_its_area_is_p2_and_out_of_it_p3() {
        let areas = [Category::Harassment];
        assert_eq!(priority(Urgency::Standard, Category::Harassment, true, &areas), Priority::P2);
        assert_eq!(priority(Urgency::Standard, Category::Doxxing, true, &areas), Priority::P3);
        assert_eq!(priority(Urgency::Standard, Category::Harassment, false, &areas), Priority::P3);
    }

    #[test]
    fn an_urgent_case_about_a_minor_is_p2() {
        let inputs = PriorityInputs {
            urgency: Urgency::Urgent,
            category: Category::Harassment,
            age_band: AgeBand::From13To14,
            trusted_flagger: false,
            expertise: &[],
        };
        assert_eq!(Priority::compute(&inputs), Priority::P2);
    }
}
