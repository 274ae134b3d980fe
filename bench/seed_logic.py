"""
The seed project's silver and gold logic (../shared/seed/NOTES.md), restated with pandas: the reference
`npm run bench` compares the pipeline with. Reads the two CSV files, cleans them as the seed did, builds
its gold tables and KPIs in memory (no MinIO, no Parquet I/O: only the data work) and prints the seconds.
Usage: python3 bench/seed_logic.py clients.csv achats.csv
"""
import sys
import time

import pandas as pd


def silver(df: pd.DataFrame, key: str) -> pd.DataFrame:
    df = df.dropna(how="all")
    df = df.drop_duplicates(subset=[key])
    for col in df.columns:
        if "date" in col:
            df[col] = pd.to_datetime(df[col], errors="coerce")
    for col in df.select_dtypes(include="object").columns:
        df[col] = df[col].str.strip()
    df = df.drop_duplicates()
    if df.empty:
        raise SystemExit(f"{key}: empty dataset")
    if df.isna().all().any():
        raise SystemExit(f"{key}: a column is all null")
    return df


def gold(clients: pd.DataFrame, achats: pd.DataFrame) -> dict:
    dim_clients = clients.assign(annee_inscription=clients["date_inscription"].dt.year)
    days = pd.Series(achats["date_achat"].dt.normalize().unique())
    iso = days.dt.isocalendar()
    dim_temps = pd.DataFrame({"date": days, "annee": days.dt.year, "mois": days.dt.month, "jour": days.dt.day, "semaine": iso["week"], "jour_semaine": days.dt.dayofweek})
    fact = achats.merge(clients[["id_client", "pays"]], on="id_client", how="left")
    jour = fact.assign(jour=fact["date_achat"].dt.date).groupby("jour").agg(nb_achats=("id_achat", "count"), ca_total=("montant", "sum")).reset_index()
    semaine = fact.assign(semaine=fact["date_achat"].dt.to_period("W").astype(str)).groupby("semaine").agg(nb_achats=("id_achat", "count"), ca_total=("montant", "sum")).reset_index()
    mois = fact.assign(mois=fact["date_achat"].dt.strftime("%Y-%m")).groupby("mois").agg(nb_achats=("id_achat", "count"), ca_total=("montant", "sum")).reset_index()
    pays = fact.groupby("pays").agg(nb_achats=("id_achat", "count"), ca_total=("montant", "sum")).reset_index()
    pays["panier_moyen"] = (pays["ca_total"] / pays["nb_achats"]).round(2)
    croissance = mois.copy()
    croissance["ca_mois_precedent"] = croissance["ca_total"].shift(1)
    croissance["croissance_pct"] = ((croissance["ca_total"] - croissance["ca_mois_precedent"]) / croissance["ca_mois_precedent"] * 100).round(2)
    m = fact["montant"]
    distribution = pd.DataFrame([{"nb_achats": len(m), "montant_moyen": round(m.mean(), 2), "montant_median": round(m.median(), 2), "montant_min": round(m.min(), 2), "montant_max": round(m.max(), 2), "ecart_type": round(m.std(), 2)}])
    return {"dim_clients": dim_clients, "dim_temps": dim_temps, "fact_achats": fact, "kpi_volumes_jour": jour, "kpi_volumes_semaine": semaine, "kpi_volumes_mois": mois, "kpi_ca_par_pays": pays, "kpi_croissance": croissance, "kpi_distribution": distribution}


if __name__ == "__main__":
    started = time.perf_counter()
    clients = silver(pd.read_csv(sys.argv[1]), "id_client")
    achats = silver(pd.read_csv(sys.argv[2]), "id_achat")
    tables = gold(clients, achats)
    print(f"{time.perf_counter() - started:.3f} {len(tables['fact_achats'])}")
