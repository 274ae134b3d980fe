-- Flights with the state of their origin airport (null when the airport is unknown).
SELECT f.date, f.carrier, f.flight_number, f.origin, o.state AS origin_state, f.dest,
       f.dep_delay, f.arr_delay, f.distance, f.cancelled
FROM flights f
LEFT JOIN airports o ON o.iata = f.origin
