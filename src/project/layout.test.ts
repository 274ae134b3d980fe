import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { csvLayout, headerLine, sniffedLayout } from './layout.js';

let dir: string;
before(async () => (dir = await fs.mkdtemp(path.join(os.tmpdir(), 'datalake-layout-'))));
after(async () => fs.rm(dir, { recursive: true, force: true }));

async function layoutOf(text: string, sniffed?: string) {
  const file = path.join(dir, `f${Math.random().toString(36).slice(2)}.csv`);
  await fs.writeFile(file, text);
  return csvLayout(file, sniffed);
}

// World Bank's indicator downloads (API_SP.POP.TOTL_DS2_en_csv_v2_*.csv) start like this.
const WORLD_BANK =
  '\uFEFF"Data Source","World Development Indicators",\r\n\r\n"Last Updated Date","2024-06-28",\r\n\r\n' +
  '"Country Name","Country Code","Indicator Name","Indicator Code","1960","1961","2023",\r\n' +
  '"Aruba","ABW","Population, total","SP.POP.TOTL","54608","55811","106277",\r\n' +
  '"Africa Eastern and Southern","AFE","Population, total","SP.POP.TOTL","130692579","134169237","",\r\n' +
  '"Afghanistan","AFG","Population, total","SP.POP.TOTL","8622466","8790140","42239854",\r\n';

test('the lines before the header: notes, a title, blank lines, Excel\'s sep= line', async () => {
  assert.deepEqual(await layoutOf(WORLD_BANK, ','), { delimiter: ',', skipLines: 4 });
  assert.deepEqual(await layoutOf('Sales by store, November 2026\nstore;amount;day\nParis;12,5;2026-11-01\nLyon;3;2026-11-02\n'), { delimiter: ';', skipLines: 1 });
  // A title over two columns: taken as a title because it has words.
  assert.deepEqual(await layoutOf('Monthly revenue report\nmonth,revenue\n2026-01,10\n2026-02,12\n2026-03,9\n'), { delimiter: ',', skipLines: 1 });
  assert.deepEqual(await layoutOf('sep=;\nnom;montant\nA;1,5\nB;2\n'), { delimiter: ';', skipLines: 1 });
  assert.deepEqual(await layoutOf('"sep=,"\nname,amount\nA,1\n'), { delimiter: ',', skipLines: 1 });
  assert.deepEqual(await layoutOf('\n\nid,name\n1,a\n2,b\n'), { delimiter: ',', skipLines: 2 });
  assert.deepEqual(await layoutOf('Population by country (thousands)\nSource: UN\n\ncountry,code,pop\nFrance,FR,68000\nBelgium,BE,11600\n'), { delimiter: ',', skipLines: 3 });
  // A title holding the delimiter, set apart by a blank line; Excel's title and empty rows (",,,").
  assert.deepEqual(await layoutOf('Sales by store, November 2026\n\nstore,amount,day\nParis,12.5,2026-11-01\nLyon,3,2026-11-02\nNice,4,2026-11-03\n'), { delimiter: ',', skipLines: 2 });
  assert.deepEqual(await layoutOf('Quarterly sales report 2024,,,\n,,,\nregion,q1,q2,q3\nNorth,10,20,30\nSouth,1,2,3\n'), { delimiter: ',', skipLines: 2 });
  // More lines of notes than rows, and footnotes after them: they do not vote for the data's width.
  assert.deepEqual(await layoutOf('Table 7\nHousing starts\nSource: Statistics Office\nUnits: dwellings\nregion,q1,q2\nNorth,10,20\n'), { delimiter: ',', skipLines: 4 });
  assert.deepEqual(await layoutOf('Unemployment\nregion,rate,year\nNorth,5.1,2024\nSouth,6.2,2024\nnote 1\nnote 2\nnote 3\nnote 4\n'), { delimiter: ',', skipLines: 1 });
  // World Bank's notes over a narrow table: wider than half of it, set apart by blank lines.
  assert.deepEqual(await layoutOf('"Data Source","WDI",\n\n"Last Updated Date","2024-06-28",\n\n"Country Name","Country Code","2020","2021",\n"Aruba","ABW","1","2",\n"Chad","TCD","3","4",\n'), { delimiter: ',', skipLines: 4 });
  assert.deepEqual(await layoutOf('sep=\t\nname\tamount\nA\t1\n'), { delimiter: '\t', skipLines: 1 });
  assert.deepEqual(await layoutOf('sep=;;;\nnom;montant;jour;x\nA;1;2;3\n'), { delimiter: ';', skipLines: 1 });
  assert.deepEqual(await layoutOf('sep=;\nExport du 01/02/2024\n\nid;nom;montant\n1;René;12,5\n2;Zoé;3\n'), { delimiter: ';', skipLines: 3 });
  // gov.uk's title and source, commas in them unquoted, right above the header: notes all the same.
  assert.deepEqual(await layoutOf('Table 1: Households by local authority, England, 2019 to 2023 [note 1]\n"This worksheet contains one table."\nSource: Department for Levelling Up, Housing and Communities\nArea code,Area name,Region,2019,2020\nE06000001,Hartlepool,North East,10,12\nE06000002,Middlesbrough,North East,11,13\n'), { delimiter: ',', skipLines: 3 });
});

test('a header is not skipped: rows ending with a delimiter, a one-word first line over two columns, one column', async () => {
  assert.deepEqual(await layoutOf('id,name,city\n1,Bob,Paris,\n2,Ann,Lyon,\n3,Eve,Nice,\n'), { delimiter: ',', skipLines: 0 });
  assert.deepEqual(await layoutOf('name\nBob,\nAnn,\nEve,\n'), { delimiter: ',', skipLines: 0 });
  assert.deepEqual(await layoutOf('id,name\n1,a\n2,b\n3,c\n'), { delimiter: ',', skipLines: 0 });
  assert.deepEqual(await layoutOf('Total (a|b)\n1\n2\n'), { delimiter: ',', skipLines: 0 });
  // A blank line after the header, before rows wider than it: the header stays (a header's first name is no number).
  assert.deepEqual(await layoutOf('id,name\n\n1,Bob,,\n2,Ann,,\n3,Eve,,\n'), { delimiter: ',', skipLines: 0 });
  assert.deepEqual(await layoutOf('id,comment\n\n1,good, fast, cheap\n2,bad, slow, pricey\n'), { delimiter: ',', skipLines: 0 });
  assert.deepEqual(await layoutOf('name,city,country\nBob,Paris,FR,\nAnn,Lyon,FR,\n'), { delimiter: ',', skipLines: 0 });
  assert.deepEqual(await layoutOf('name,note\nBob,a, b\nAnn,c, d\n'), { delimiter: ',', skipLines: 0 });
  // Values with unquoted commas: more fields in every row than in the header, which stays the header.
  assert.deepEqual(await layoutOf('id,name\n1,Smith, John,5\n2,Doe, Ann,6\n'), { delimiter: ',', skipLines: 0 });
  assert.deepEqual(await layoutOf('id,name,note\n1,Smith, John,a, b, c\n2,Doe, Ann,d, e, f\n'), { delimiter: ',', skipLines: 0 });
  // A row with a field too many or too few does not move the header.
  assert.deepEqual(await layoutOf('a;b;c\n1;2;3\n1;2\n4;5;6\n7;8;9;10\n'), { delimiter: ';', skipLines: 0 });
  // Decimal commas in a `;` (or `|`) file whose rows end with the delimiter (SAP, French exports): the commas
  // split every row alike after a row taken for a header, but into fewer columns.
  const trailing = 'id;date;amount;city\n1;03/01/2022;55000,00;BOURG;\n2;04/01/2022;143000,00;SAVIGNEUX;\n3;05/01/2022;300,00;PARIS;\n';
  assert.deepEqual(await layoutOf(trailing, ','), { delimiter: ';', skipLines: 0 });
  assert.deepEqual(await layoutOf(trailing.replaceAll(';', '|'), ','), { delimiter: '|', skipLines: 0 });
  assert.deepEqual(await layoutOf('Ventes 2024, export\nid;montant;ville\n1;12,50;Paris\n2;3,75;Lyon\n', ','), { delimiter: ';', skipLines: 1 });
  // Values with a delimiter of another kind inside them keep the file's own (the review's cases): C++ names and IPv6
  // addresses (`::`), addresses with commas in a tab file, decimal commas in every column, an empty last column.
  const sniffedAs = async (text: string, sniffed: string) => (await layoutOf(text, sniffed)).delimiter;
  assert.deepEqual(await layoutOf('id,symbol,size\n1,std::vector,24\n2,std::string,32\n3,std::map,48\n4,boost::any,16\n', ','), { delimiter: ',', skipLines: 0 });
  assert.deepEqual(await layoutOf('time,src,dst,bytes\n2024-01-01 10:00:00,fe80::1,fe80::2,100\n2024-01-01 10:00:01,2001:db8::5,fe80::2,200\n2024-01-01 10:00:02,fe80::1,2001:db8::9,300\n', ','), { delimiter: ',', skipLines: 0 });
  assert.equal(await sniffedAs('id\taddress\tphone\n1\t12 Main St, Springfield, IL, USA\t555-0101\n2\t9 Oak Ave, Portland, OR, USA\t555-0102\n3\t1 Elm Rd, Austin, TX, USA\t555-0103\n', '\t'), '\t');
  assert.equal(await sniffedAs('Temperatur;Druck;Feuchte\n21,5;1013,2;45,0\n21,7;1013,0;44,8\n22,0;1012,8;44,1\n', ';'), ';');
  assert.equal(await sniffedAs('Datum;Empfaenger;Betrag;Notiz\n01.01.2023;Stadtwerke;-85,00;\n02.01.2023;ACME;3456,78;\n03.01.2023;Bank;-4,90;Gebuehr\n04.01.2023;Shop;-19,99;\n', ';'), ';');
  assert.equal(await sniffedAs('id\tname\tnote\n1\tSmith, Bob\t\n2\tDoe, Ann\t\n3\tRoe, Joe\tvip\n4\tLee, Sue\t\n', '\t'), '\t');
  // A title over a table, then footnotes with commas as many as its rows: the table's header.
  assert.deepEqual(await layoutOf('Table 1: Households by region, England\nregion,year,households,change\nNorth East,2023,1180,1.2\nNorth West,2023,3170,0.9\nYorkshire,2023,2350,1.1\nLondon,2023,3600,0.4\n\nNotes:\n1, Figures are rounded\n2, Source: ONS, Census\n3, Change is annual, percent\n4, Provisional\n', ','), { delimiter: ',', skipLines: 1 });
  // A title, then a `;` file of two columns with decimal commas: as many columns split by commas after a row taken for a title.
  assert.deepEqual(await layoutOf('Export du 01/03/2024\n\ndate;valeur\n01/03/2024;1,5\n02/03/2024;2,25\n03/03/2024;3,75\n', ','), { delimiter: ';', skipLines: 2 });
  // ING's statement: more lines of `key;value` before the header than rows after it.
  const ing = 'Umsatzanzeige;Datei erstellt am: 01.02.2023 10:15\n;Letztes Update: aktuell\n\nIBAN;DE12 5001 0517 0123 4567 89\nKontoname;Girokonto\nBank;ING\nKunde;Max Mustermann\nZeitraum;01.01.2023 - 31.01.2023\nSaldo;1.234,56;EUR\n\nSortierung;Datum absteigend\n\nIn der CSV-Datei finden Sie alle bereits gebuchten Umsätze.\n\n' +
    'Buchung;Valuta;Auftraggeber/Empfänger;Buchungstext;Verwendungszweck;Saldo;Währung;Betrag;Währung\n' +
    '31.01.2023;31.01.2023;Stadtwerke;Lastschrift;Strom;1.234,56;EUR;-85,00;EUR\n30.01.2023;30.01.2023;ACME GmbH;Gehalt;Januar;1.319,56;EUR;3.456,78;EUR\n02.01.2023;02.01.2023;;Entgelt;Kontoführung;-995,05;EUR;-4,90;EUR\n';
  assert.deepEqual(await layoutOf(ing, ';'), { delimiter: ';', skipLines: 14 });
});

test('a line of a few values right above the header (Coinbase\'s `User,<name>,<id>`) is a note when the header reads as names over its rows', async () => {
  const header = 'ID,Timestamp,Transaction Type,Asset,Quantity Transacted,Price Currency,Price at Transaction,Subtotal,Total (inclusive of fees and/or spread),Fees and/or Spread,Notes\n';
  const rows =
    '20c917b853860886599b2ac7,2023-01-03 14:07:49 UTC,Buy,ETH,0.02558987,USD,"$1,915.21",$49.01,$50.00,$0.99,Bought 0.02558987 ETH for $50.00 USD\n' +
    'a6a317873a59e01b29a0a9a4,2023-01-03 23:59:19 UTC,Sell,ADA,-3016.30716169,USD,$0.40,"-$1,200.00","-$1,182.12",$17.88,"Sold 3016.30716169 ADA for $1,182.12 USD"\n' +
    '296e948c5a0b1e5bb93e6d63,2023-01-04 16:30:09 UTC,Staking Income,ETH,0.00001281,USD,"$1,926.82",$0.02,$0.02,$0.00,\n';
  const user = 'User,Jane Q. Doe,7c9e6679-7425-40de-944b-e07fc1f90ae7\n';
  assert.deepEqual(await layoutOf(`Transactions\n${user}${header}${rows}`, ','), { delimiter: ',', skipLines: 2 });
  assert.deepEqual(await layoutOf(`${user}${header}${rows}`, ','), { delimiter: ',', skipLines: 1 });
  assert.deepEqual(await layoutOf(`Transactions\n${header}${rows}`, ','), { delimiter: ',', skipLines: 1 });
  // A header narrower than its rows (unquoted commas in a value) stays the header: the line under it is a row like the others.
  assert.deepEqual(await layoutOf('name,amount\nSmith, John,5\nDoe, Ann,6\nRoe, Joe,7\n'), { delimiter: ',', skipLines: 0 });
  assert.deepEqual(await layoutOf('customer,city\nBob,Paris, Texas,US\nAnn,Lyon,Rhone,FR\n'), { delimiter: ',', skipLines: 0 });
  // A note as wide as some line under the header is no note of this kind: the file's first line stays its header.
  assert.equal(headerLine(['a,b,c', 'id,name,city,amount', '1,Bob,Paris,5', '2,Ann,Lyon,6', '3,Eve,Nice'], ','), 0);
});

test('headerLine: a line of fewer fields past the preamble\'s reach is a header, not a note', () => {
  const rows = Array.from({ length: 40 }, (_, i) => `${i}`);
  const lines = [...rows.map((r) => `${r} title`), 'a,b,c', '1,2,3', '4,5,6'];
  assert.equal(headerLine(lines, ','), 0);
  assert.equal(headerLine(['Report', 'a,b,c', '1,2,3', '4,5,6'], ','), 1);
  assert.equal(headerLine(['a,b,c,d', '1,2,3,4'], ','), 0);
});

test('a header or a row with a line break inside quotes (Excel\'s wrapped text) is one line, counted as the lines it takes; an inch mark joins nothing', async () => {
  assert.deepEqual(await layoutOf('id,"Population\n2019",other\n1,100,a\n2,200,b\n'), { delimiter: ',', skipLines: 0 });
  assert.deepEqual(await layoutOf('Report\r\n\r\nid;"Pop\r\n2019";"Area\r\n(km2)"\r\n1;100;3,5\r\n2;"a\r\nb";4\r\n3;1;2\r\n'), { delimiter: ';', skipLines: 2 });
  // A quoted title over two lines before the header: both lines skipped.
  assert.deepEqual(await layoutOf('"Sales report\nNovember"\nstore,amount,day\nParis,12,2026-11-01\nLyon,3,2026-11-02\n'), { delimiter: ',', skipLines: 2 });
  // A stray quote that opens no field: the lines after it stay lines.
  assert.deepEqual(await layoutOf('item,size,price\nruler,12" long,3\npen,5,1\nink,6,2\n'), { delimiter: ',', skipLines: 0 });
});

test('DuckDB\'s sniffer is asked only where its answer could change the layout: not of a wide series, of one whose lines two delimiters split alike', async () => {
  const asked: string[] = [];
  const sniffing = async (text: string, answer: string) => {
    const file = path.join(dir, `s${Math.random().toString(36).slice(2)}.csv`);
    await fs.writeFile(file, text);
    return sniffedLayout(file, async () => (asked.push(answer), answer));
  };
  // Johns Hopkins' series: a column per day (sniffing its 1,147 columns took 0.4–3 s).
  const days = Array.from({ length: 400 }, (_, i) => `${(i % 12) + 1}/${(i % 28) + 1}/2${i % 4}`);
  const series = `Province/State,Country/Region,Lat,Long,${days.join(',')}\n` + ['"Korea, South"', 'France'].map((c) => `,${c},1.5,2.5,${days.map((_, i) => i).join(',')}\n`).join('');
  assert.deepEqual(await sniffing(series, ';'), { delimiter: ',', skipLines: 0 });
  assert.deepEqual(await sniffing(WORLD_BANK, ','), { delimiter: ',', skipLines: 4 });
  assert.deepEqual(asked, []);
  // `;` and `,` split every line in two: the sniffer's answer is taken, as csvLayout takes it.
  const both = 'a;b,c\n1;2,3\n4;5,6\n';
  for (const answer of [';', ',']) assert.deepEqual(await sniffing(both, answer), await layoutOf(both, answer));
  assert.deepEqual(asked, [';', ',']);
  assert.notDeepEqual(await layoutOf(both, ';'), await layoutOf(both, ','));
});
