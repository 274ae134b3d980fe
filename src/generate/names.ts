// ASCII-only so that e-mail addresses can be derived from names without transliteration.
export const FIRST_NAMES = [
  'Adele', 'Alain', 'Alice', 'Amelie', 'Antoine', 'Arthur', 'Baptiste', 'Camille', 'Charlotte', 'Chloe',
  'Claire', 'Clement', 'Denis', 'Elise', 'Emma', 'Etienne', 'Florence', 'Francois', 'Gabriel', 'Helene',
  'Hugo', 'Ines', 'Isabelle', 'Jacques', 'Jeanne', 'Jules', 'Julie', 'Laure', 'Louis', 'Lucas',
  'Lucie', 'Manon', 'Marc', 'Margaux', 'Marie', 'Mathilde', 'Maxime', 'Nathalie', 'Nicolas', 'Noemie',
  'Olivier', 'Paul', 'Pauline', 'Philippe', 'Pierre', 'Raphael', 'Sarah', 'Sophie', 'Thomas', 'Valentin',
] as const;

export const LAST_NAMES = [
  'Andre', 'Bernard', 'Bertrand', 'Blanc', 'Bonnet', 'Boyer', 'Chevalier', 'Clement', 'David', 'Dubois',
  'Dumont', 'Dupont', 'Durand', 'Faure', 'Fontaine', 'Fournier', 'Francois', 'Garcia', 'Garnier', 'Gauthier',
  'Girard', 'Guerin', 'Henry', 'Lambert', 'Laurent', 'Lefebvre', 'Legrand', 'Leroy', 'Martin', 'Masson',
  'Mathieu', 'Mercier', 'Michel', 'Moreau', 'Morel', 'Muller', 'Nicolas', 'Perrin', 'Petit', 'Richard',
  'Robert', 'Robin', 'Roussel', 'Roux', 'Simon', 'Thomas', 'Vincent', 'Fabre', 'Rousseau', 'Lemaire',
] as const;
