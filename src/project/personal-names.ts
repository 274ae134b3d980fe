import type { InferredColumn, InferredCsv } from './inferred.js';

/**
 * Personal data a column's name says it holds (or its values: e-mail addresses), which `init --from-csv`
 * declares `personal: true`: masked for readers and the public in previews, downloads and filters, and
 * never a starter KPI's group. Only what is clearly of a person: not `Name` alone (a product's, a film's,
 * a place's), `RegionName` or `Title`. A personal column masks its name in every dataset of the project,
 * so a guess too wide would hide a product's `name` too.
 */

/** Words naming the person a name, a phone number or an address is of (`Customer Name`, `Buyer Phone`, `Billing Address`). */
const PERSON = 'customer|buyer|client|contact|recipient|ship|shipping|ship_to|billing|bill_to|sender|member|subscriber|user|employee|patient|student|passenger|guest|applicant|parent|guardian|beneficiary|payee|payer|consignee|cardholder|card_holder|account_holder|holder|owner|tenant|donor|attendee|participant|respondent|person|delivery';
/** A person's name or a part of it, whoever's (`First Name`, `Nachname`, `Prénom`). */
const NAME_PART = /(^|_)(first_?name|last_?name|full_?name|given_?name|family_?name|middle_?name|maiden_?name|sur_?name|fore_?name|prenom|vorname|nachname|apellidos?|cognome|voornaam|achternaam)$/;
/** And Etsy's `Buyer`, a buyer's user name. */
const PERSON_NAME = new RegExp(`(^|_)(${PERSON}|card)_names?$|^(username|buyer)$`);
/** Words naming what a name may be of but a person (a vessel, a trading card): of a person beside the rest of an address so named. */
const ADDRESSED = /^(ship_to|shipping|ship|card)_/;
const EMAIL_NAME = /(^|_)(email|e_mail|mail|courriel)(_(address|addr|adresse|adr))?$/;
/** A phone's number; `mobile` alone also counts devices (Google Analytics' `Mobile` users): text only. */
const PHONE_NAME = /(^|_)(phone|telephone|tel|mobile|cellphone|telefon|telefono|telefone)(_(number|no|num|nr|numero))?$/;
/** Mailchimp's `OPTIN_IP` and `CONFIRM_IP`, a log's `client_ip`: text only (baseball's `IP`, innings pitched, are numbers). */
const IP_NAME = /(^|_)(ip|ipv4|ipv6)(_(address|addr))?$/;
const BIRTH_NAME = /(^|_)(birthday|birthdate|birth_date|date_of_birth|dob|birth_day|geburtsdatum|geburtstag|date_de_naissance|date_naissance|fecha_de_nacimiento|fecha_nacimiento|data_di_nascita|geboortedatum)$/;
/** A postal address or a line of it (`Street 1`, `Address Line 2`, `Shipping Address`): not an e-mail's, an IP's or a wallet's. */
const ADDRESS_HEAD = /^(address|addr|adresse|anschrift|direccion|indirizzo|street|strasse)$/;
const ADDRESS_BEFORE = new RegExp(`^(${PERSON}|card|street|home|bill|mailing|postal|post|residential|physical|primary|permanent|current|full|to)$`);

/** A name without a number after it (`street_1`, `address1`, `phone_2`). */
const unnumbered = (name: string) => name.replace(/_?[0-9]+$/, '');

function addressNamed(name: string): boolean {
  const words = unnumbered(name).split('_');
  while (words.length > 1 && /^(line|lines|[0-9]+)$/.test(words.at(-1)!)) words.pop();
  const head = unnumbered(words.pop()!);
  return ADDRESS_HEAD.test(head) && words.every((w) => ADDRESS_BEFORE.test(w));
}

/**
 * Why column `c` of `csv` is personal data, said in the definition (`a person's name`), or undefined. A ship's
 * name is a recipient's beside the rest of a ship-to address (Etsy's `Ship Name` beside `Ship City`), not a
 * vessel's, and a card's its holder's beside its address (Stripe's `Card Name`, `Card Address Line1`), not a
 * trading card's; a French export's `Nom` beside `Prénom` is a surname.
 */
export function personalOf(c: InferredColumn, csv: InferredCsv): string | undefined {
  const [name, text] = [unnumbered(c.name), c.type === 'text'];
  const named = (re: RegExp) => re.test(c.name) || re.test(name);
  if (c.emails) return 'its values are e-mail addresses';
  if (text && named(EMAIL_NAME)) return 'an e-mail address';
  if ((text || (c.type === 'integer' && name !== 'mobile')) && named(PHONE_NAME)) return 'a phone number';
  if (text && named(IP_NAME)) return 'an IP address';
  if (c.type !== 'boolean' && named(BIRTH_NAME)) return 'a date of birth';
  if (text && named(NAME_PART)) return "a person's name";
  if (text && c.name === 'nom' && csv.columns.some((o) => o.name === 'prenom')) return "a person's name (beside prenom)";
  if (text && named(PERSON_NAME)) {
    const of = ADDRESSED.exec(c.name)?.[1];
    const addressed = (o: InferredColumn) => new RegExp(`^${of}_(address|addr|street|city|state|zip|zipcode|postal_code|postcode|country)`).test(o.name);
    if (!of || csv.columns.some(addressed)) return "a person's name";
  }
  if (text && addressNamed(c.name)) return 'a postal address';
  return undefined;
}
